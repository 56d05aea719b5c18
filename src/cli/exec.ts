//! `tsrun exec`: the process to run (from --process or the container's process with the flags
//! applied, as runc does), then spawnExec into the container with this command's stdio.

import * as fs from 'node:fs';
import * as os from 'node:os';

import { loadContainer, spawnExec, type Container, type StdioFds } from '../container';
import { consoleFor } from './console';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import type { Capabilities, Process } from '../runtime/spec';
import { listFlag, type FlagValues } from './args';
import type { CliContext } from './commands';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function parseId(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} "${v}": must be a numeric id (names are not resolved by tsrun exec)`);
  return Number(v);
}

function withCaps(caps: Capabilities | undefined, add: readonly string[]): Capabilities | undefined {
  if (add.length === 0) return caps;
  const norm = add.map((c) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`));
  const merge = (xs: readonly string[] | undefined) => [...new Set([...(xs ?? []), ...norm])];
  return { ...caps, bounding: merge(caps?.bounding), effective: merge(caps?.effective), permitted: merge(caps?.permitted) };
}

/** Pure: the Process runc would exec for these flags and args (args[0] is the container id). */
export function execProcessFor(base: Process | undefined, flags: FlagValues, args: readonly string[], readFile: (p: string) => string): Process {
  const file = str(flags.process);
  if (file !== undefined) {
    let proc: Process;
    try {
      proc = JSON.parse(readFile(file)) as Process;
    } catch (err) {
      throw new InvalidArgumentError(`--process ${file}: ${(err as Error).message}`);
    }
    return proc;
  }
  if (args.length < 2) throw new InvalidArgumentError('exec: a command to run is required (or --process)');
  if (base === undefined) throw new InvalidArgumentError('config.json: process: missing, cannot derive the exec process from it');
  let user = base.user;
  const u = str(flags.user);
  if (u !== undefined) {
    const [uid, gid] = u.split(':');
    user = { uid: parseId(uid ?? '', '--user uid'), gid: gid !== undefined ? parseId(gid, '--user gid') : 0 };
  }
  const gids = listFlag(flags['additional-gids']).map((g) => parseId(g, '--additional-gids'));
  if (gids.length > 0) user = { ...user, additionalGids: gids };
  const caps = withCaps(base.capabilities, listFlag(flags.cap));
  return {
    ...base,
    args: args.slice(1),
    env: [...(base.env ?? []), ...listFlag(flags.env)],
    cwd: str(flags.cwd) ?? base.cwd,
    user,
    terminal: flags.tty === true,
    ...(caps !== undefined ? { capabilities: caps } : {}),
    ...(flags['no-new-privs'] === true ? { noNewPrivileges: true } : {}),
  };
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export async function execCommand(ctx: CliContext): Promise<number> {
  const { flags, args } = ctx.cmd;
  const c = await loadContainer(ctx.root, args[0]!);
  if (c.status() === 'paused' && flags['ignore-paused'] !== true) throw new FailedPreconditionError(`cannot exec in a paused container (use --ignore-paused to override): container "${c.id}" is paused; resume it first`);
  const proc = execProcessFor(c.spec.process, flags, args, (p) => fs.readFileSync(p, 'utf8'));
  const pty = consoleFor(proc.terminal === true, str(flags['console-socket']), flags.detach === true);
  try {
    return await runExec(ctx, c, proc, pty?.stdio ?? { stdin: 0, stdout: 1, stderr: 2 }, () => pty?.handOff());
  } finally {
    pty?.close();
    await pty?.finish();
  }
}

async function runExec(ctx: CliContext, c: Container, proc: Process, stdio: StdioFds, created: () => void): Promise<number> {
  const { flags } = ctx.cmd;
  const n = Number(str(flags['preserve-fds']) ?? '0');
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--preserve-fds: must be a non-negative integer, got "${String(flags['preserve-fds'])}"`);
  // detached: the exit status belongs to our caller's subreaper (conmon), so never reap it here
  const detach = flags.detach === true;
  const child = await spawnExec(c, `${c.id}-exec`, { process: proc, stdio, extraFds: Array.from({ length: n }, (_, i) => 3 + i), reap: !detach });
  const pidFile = str(flags['pid-file']);
  try {
    if (pidFile !== undefined) fs.writeFileSync(pidFile, String(child.pid));
    created();
    await child.start();
  } catch (err) {
    try {
      child.kill(9);
    } catch {
      // gone already
    }
    await child.exited;
    throw err;
  }
  if (detach) {
    child.detach();
    return 0;
  }
  const forward = (sig: NodeJS.Signals): void => {
    try {
      child.kill(signalNumber(sig));
    } catch {
      // exited meanwhile
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  const exit = await child.exited;
  for (const s of FORWARDED) process.off(s, forward);
  return exit.status;
}

function signalNumber(sig: NodeJS.Signals): number {
  return os.constants.signals[sig];
}
