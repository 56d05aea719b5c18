//! The `start` action: make sure a shim daemon for this container's group listens, write the
//! bundle's `address` file, and print the address (plain for containerd ≤ 2.2, BootstrapResult
//! protobuf when stdin carried BootstrapParams) — nothing else, because containerd parses stdout and
//! stderr together. The socket is bound here and handed to the daemon as fd 3, so it is accepting
//! before `start` exits.
//!
//! child_process is allowed in this file only (eslint.config.js): the daemon is a detached copy of
//! this program in its own session, with /dev/null stdio (never start's pipes, which containerd
//! reads to EOF), and `start` exits right after spawning it, so no reaping concern arises.
//!
//! `start` is on the critical path of every new pod: only what the input needs is loaded (no
//! protobuf code without stdin or options, no cgroup code without ShimCgroup).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { selfCommand } from '../platform/self';
import { listeningFd } from '../ttrpc/listen-fd';
import { DEFAULT_SOCKET_DIR, groupKey, socketAddress, socketPath, writeAddressFile } from './address';
import type { ShimFlags } from './flags';
import { ttrpcAddressOf } from './events-address';
import type { ShimOptions } from './runtime-options';
import type { StartInput } from './start-input';
import { socketIsStale } from './socket-liveness';
import { DEFAULT_IDLE_SECONDS, NODE_WIDE_ENV, NODE_WIDE_GROUP } from './node-wide';

/** How long a connect() probe of an existing socket may take before it counts as stale. */
const PROBE_MS = 100;

function readAnnotations(bundle: string): Record<string, string> | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(path.join(bundle, 'config.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const spec = JSON.parse(raw) as { annotations?: Record<string, string> };
    return spec.annotations;
  } catch (err) {
    throw new InvalidArgumentError(`${bundle}/config.json: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

function probe(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path: file });
    const timer = setTimeout(() => done(true), PROBE_MS); // no answer yet: busy, not stale
    function done(alive: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    }
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(!socketIsStale(err.code)));
  });
}

function listen(file: string): Promise<net.Server | 'in-use'> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve('in-use') : reject(err)));
    server.listen({ path: file }, () => resolve(server));
  });
}

/** Bind the socket, or report that a live daemon already owns it (stale sockets are replaced). */
async function bindOrReuse(file: string): Promise<net.Server | undefined> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await listen(file);
    if (result !== 'in-use') {
      fs.chmodSync(file, 0o600);
      return result;
    }
    if (await probe(file)) return undefined;
    fs.rmSync(file, { force: true });
  }
  throw new Error(`socket ${file}: in use but not answering, and could not be replaced`);
}

function daemonArgs(flags: ShimFlags, bundle: string, file: string): string[] {
  const args = ['-namespace', flags.namespace, '-id', flags.id, '-address', flags.address, '-bundle', bundle, '-socket', file];
  if (flags.publishBinary !== '') args.push('-publish-binary', flags.publishBinary);
  if (flags.debug) args.push('-debug');
  return args;
}

/** containerd's oom_score_adj + 1, so the kernel prefers killing the shim over containerd. */
function adjustOomScore(pid: number): void {
  try {
    const parent = Number(fs.readFileSync(`/proc/${process.ppid}/oom_score_adj`, 'utf8').trim());
    fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(Math.min(1000, parent + 1)));
  } catch {
    // Not fatal: unprivileged test runs cannot always write it.
  }
}

function spawnDaemon(flags: ShimFlags, bundle: string, file: string, listenFd: number, input: StartInput, options: ShimOptions, level: string | undefined): number {
  const self = selfCommand();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[NODE_WIDE_ENV];
  if (options.nodeWide === true) env[NODE_WIDE_ENV] = String(options.nodeWideIdleSeconds ?? DEFAULT_IDLE_SECONDS);
  const ttrpcAddress = ttrpcAddressOf(input, process.env);
  if (ttrpcAddress !== '') env.TTRPC_ADDRESS = ttrpcAddress;
  if (level !== undefined) env.TSRUN_LOG_LEVEL = level;
  if (input.kind === 'bootstrap' && input.params.containerdGrpcAddress !== '') env.GRPC_ADDRESS = input.params.containerdGrpcAddress;
  // Same program again: node + script, or the single executable alone (platform/self.ts).
  const child = spawn(self.file, [...self.args, ...daemonArgs(flags, bundle, file)], {
    cwd: bundle,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', listenFd],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`spawn shim daemon ${self.file}: failed`);
  return child.pid;
}

/** The daemon's log level from the runtime options' LogLevel or BootstrapParams.log_level. */
async function logLevelOf(input: StartInput, options: ShimOptions): Promise<string | undefined> {
  if (options.logLevel !== undefined) return options.logLevel;
  if (input.kind !== 'bootstrap') return undefined;
  const { LogLevel } = await import('../gen/runtime/bootstrap/v1/bootstrap');
  const byLevel = new Map<number, string>([
    [LogLevel.LOG_LEVEL_TRACE, 'trace'], [LogLevel.LOG_LEVEL_DEBUG, 'debug'], [LogLevel.LOG_LEVEL_WARN, 'warn'],
    [LogLevel.LOG_LEVEL_ERROR, 'error'], [LogLevel.LOG_LEVEL_FATAL, 'fatal'], [LogLevel.LOG_LEVEL_PANIC, 'fatal'],
  ]);
  return byLevel.get(input.params.logLevel);
}

/** `start`'s stdin decoded; empty stdin (containerd ≤ 2.2 without runtime options) loads no protobuf code. */
async function readStartInput(stdin: Uint8Array, id: string, namespace: string): Promise<StartInput> {
  if (stdin.length === 0) return { kind: 'legacy', options: undefined };
  return (await import('./start-input')).decodeStartInput(stdin, id, namespace);
}

async function shimOptionsOf(input: StartInput): Promise<ShimOptions> {
  if (input.options === undefined) return { systemdCgroup: false, noPivotRoot: false };
  return (await import('./runtime-options')).decodeShimOptions(input.options);
}

/** runc's ShimCgroup option: move the daemon into that cgroup (created when missing). */
async function joinShimCgroup(pid: number, cgroupPath: string): Promise<void> {
  const { detectCgroupHost, openCgroup } = await import('../cgroups');
  try {
    const cgroup = openCgroup(detectCgroupHost(), cgroupPath);
    await cgroup.create();
    await cgroup.addProcess(pid);
  } catch (err) {
    throw new InvalidArgumentError(`ShimCgroup ${cgroupPath}: cannot move the shim daemon there: ${(err as Error).message}`, { cause: err });
  }
}

/** Bind (or reuse) the socket and spawn the daemon when this `start` bound it. */
async function ensureDaemon(flags: ShimFlags, bundle: string, file: string, input: StartInput, decoded: ShimOptions | Error): Promise<void> {
  const server = await bindOrReuse(file);
  if (server === undefined) return;
  try {
    if (decoded instanceof Error) throw decoded;
    const options = decoded;
    const pid = spawnDaemon(flags, bundle, file, listeningFd(server), input, options, await logLevelOf(input, options));
    adjustOomScore(pid);
    const shimCgroup = options.shimCgroup;
    if (shimCgroup !== undefined) {
      try {
        await joinShimCgroup(pid, shimCgroup);
      } catch (err) {
        process.kill(pid, 'SIGKILL');
        throw err;
      }
    }
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  // Not server.close(): that would unlink the socket the daemon now serves. Exiting closes our fd.
}

/** Run `start`; resolves with the bytes to print on stdout. */
export async function runStart(flags: ShimFlags, stdin: Uint8Array): Promise<Uint8Array> {
  if (flags.namespace === '') throw new InvalidArgumentError('-namespace: required');
  if (flags.id === '') throw new InvalidArgumentError('-id: required');
  const input = await readStartInput(stdin, flags.id, flags.namespace);
  // Options that fail to decode matter only when a daemon is spawned (a live one is reused as
  // before); undecodable options are never node-wide.
  const options = await shimOptionsOf(input).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const nodeWide = !(options instanceof Error) && options.nodeWide === true;
  const bundle = path.resolve(flags.bundle !== '' ? flags.bundle : process.cwd());
  const grpcAddress = flags.address !== '' ? flags.address : input.kind === 'bootstrap' ? input.params.containerdGrpcAddress : '';
  const socketDir = (input.kind === 'bootstrap' ? input.params.socketDir : undefined) || DEFAULT_SOCKET_DIR;
  const group = nodeWide ? NODE_WIDE_GROUP : groupKey(readAnnotations(bundle), flags.id);
  const address = socketAddress(grpcAddress, flags.namespace, group, socketDir);
  const file = socketPath(address);
  const daemonFlags = { ...flags, address: grpcAddress };
  if (nodeWide) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { lockPathOf, recordHandout, withLock } = await import('./node-wide');
    const lock = lockPathOf(file);
    await withLock(lock, async () => {
      await ensureDaemon(daemonFlags, bundle, file, input, options);
      recordHandout(lock);
    });
  } else {
    await ensureDaemon(daemonFlags, bundle, file, input, options);
  }
  writeAddressFile(bundle, address);
  if (input.kind === 'bootstrap') {
    const { BootstrapResult } = await import('../gen/runtime/bootstrap/v1/bootstrap');
    return BootstrapResult.encode({ version: 2, address, protocol: 'ttrpc', capabilities: [], metadata: {} }).finish();
  }
  return Buffer.from(address);
}
