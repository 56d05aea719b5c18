//! OCI hooks: which hooks run at which lifecycle point (pure planning) and running them as ordinary
//! host processes with the state JSON on stdin, the hook's own args/env and its timeout.
//!
//! Runtime-namespace hooks are spawned with node:child_process (see the eslint override for this file). Why: a hook is
//! an ordinary program in the runtime's namespaces — no namespaces, no plan, nothing between fork
//! and exec — and what it needs is exactly what libuv's spawn gives: a stdin pipe for the state,
//! captured stdout/stderr for the error message, a timeout kill, and an exit event. The native
//! executor exists for container processes; pushing hooks through it would add a second stdio and
//! wait path for no benefit. Where the project's reaper also reaps orphans (the shim), a hook's pid
//! is watched by it too and whichever collects the exit first wins (see spawnHook).

import { spawn } from 'node:child_process';

import type { Hook, Hooks, Spec } from '../runtime/spec';
import { signalName } from './signals';
import type { ContainerLogger, OciState } from './types';

export type HookPhase = keyof Hooks;

/** Where a hook runs: the runtime namespace (host) or the container's namespaces. */
export type HookNamespace = 'runtime' | 'container';

export interface HookInvocation {
  readonly phase: HookPhase;
  /** Index within its phase's array (runc's "hook #n"). */
  readonly index: number;
  readonly path: string;
  /** Full argv including argv[0]; defaults to [path] when the hook has no args. */
  readonly argv: readonly string[];
  /** Exactly the hook's env (nothing inherited from the runtime), like runc. */
  readonly env: readonly string[];
  /** Milliseconds, or undefined for no timeout. */
  readonly timeoutMs: number | undefined;
  /** abort: failure fails the lifecycle step (and the container is destroyed); warn: logged. */
  readonly onFailure: 'abort' | 'warn';
  readonly namespace: HookNamespace;
}

const FAILURE: Record<HookPhase, 'abort' | 'warn'> = {
  prestart: 'abort',
  createRuntime: 'abort',
  createContainer: 'abort',
  startContainer: 'abort',
  poststart: 'warn',
  poststop: 'warn',
};

/** Where the runtime spec places each phase. startContainer and createContainer run in the container
 *  through ContainerDeps.runInContainer; createContainer (with prestart and createRuntime before it)
 *  while init waits after its mounts, before pivot_root (SpawnRequest.onBeforePivot). */
const NAMESPACE: Record<HookPhase, HookNamespace> = {
  prestart: 'runtime',
  createRuntime: 'runtime',
  createContainer: 'container',
  startContainer: 'container',
  poststart: 'runtime',
  poststop: 'runtime',
};

/** The hooks of one phase, in order, as invocations. Pure. */
export function planHooks(spec: Pick<Spec, 'hooks'>, phase: HookPhase): HookInvocation[] {
  const hooks: readonly Hook[] = spec.hooks?.[phase] ?? [];
  return hooks.map((h, index) => ({
    phase,
    index,
    path: h.path,
    argv: h.args && h.args.length > 0 ? [...h.args] : [h.path],
    env: h.env ? [...h.env] : [],
    timeoutMs: h.timeout !== undefined && h.timeout > 0 ? h.timeout * 1000 : undefined,
    onFailure: FAILURE[phase],
    namespace: NAMESPACE[phase],
  }));
}

/** The order create/start/delete go through the phases (runtime-spec lifecycle). */
export const CREATE_PHASES: readonly HookPhase[] = ['prestart', 'createRuntime', 'createContainer'];
export const START_PHASES_BEFORE: readonly HookPhase[] = ['startContainer'];
export const START_PHASES_AFTER: readonly HookPhase[] = ['poststart'];
export const DELETE_PHASES: readonly HookPhase[] = ['poststop'];

/** A hook that did not exit 0 (or could not be started, or timed out). */
export class HookError extends Error {
  constructor(
    readonly invocation: HookInvocation,
    readonly detail: string,
  ) {
    super(`error running ${invocation.phase} hook #${invocation.index} (${invocation.path}): ${detail}`);
    this.name = 'HookError';
  }
}

export interface HookResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Spawn failure (ENOENT, EACCES …). */
  readonly spawnError?: Error;
}

/** Runs one hook process; replaceable in tests. */
export type HookSpawner = (inv: HookInvocation, stdin: string) => Promise<HookResult>;

const MAX_CAPTURE = 64 * 1024;

/** The project's reaper, loaded on first use (it pulls in koffi; `state`/`list` never need it). */
function projectReaper(): import('../linux/reaper').Reaper {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../linux/reaper') as typeof import('../linux/reaper')).reaper();
}

/**
 * The default spawner: a host process with the hook's env, state on stdin, killed at its timeout.
 * In a process that reaps orphans (the shim) the reaper may collect the hook before libuv does, so
 * the exit is taken from whichever reports first — as the shim's log driver does — and orphan
 * reaping pauses until the hook's pid is watched.
 */
export const spawnHook: HookSpawner = (inv, stdin) =>
  new Promise((resolve) => {
    const envObj: Record<string, string> = {};
    for (const kv of inv.env) {
      const eq = kv.indexOf('=');
      if (eq > 0) envObj[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let openStreams = 2;
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const reaper = projectReaper();
    let spawning = true;
    const endSpawn = (): void => {
      if (spawning) {
        spawning = false;
        reaper.endSpawn();
      }
    };
    const finish = (r: HookResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      endSpawn();
      resolve(r);
    };
    const maybeDone = (): void => {
      if (exit === undefined) return;
      const done = () => finish({ ...exit!, timedOut, stdout, stderr });
      if (openStreams === 0) done();
      else grace ??= setTimeout(done, 1000); // a background child of the hook may keep its pipes open
    };
    reaper.beginSpawn();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(inv.path, inv.argv.slice(1), { argv0: inv.argv[0], env: envObj, stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
    } catch (err) {
      finish({ code: null, signal: null, timedOut, stdout, stderr, spawnError: err as Error });
      return;
    }
    if (inv.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, inv.timeoutMs);
    }
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid !== undefined) {
        void reaper.watch(pid, null).then((s) => {
          // The reaper collected it first: libuv will never see this exit, so its handle must not
          // keep the process alive.
          child.unref();
          exit ??= { code: s.signal !== undefined ? null : s.status, signal: s.signal !== undefined ? signalName(s.signal) : null };
          maybeDone();
        });
      }
      endSpawn();
    });
    for (const [stream, add] of [
      [child.stdout!, (t: string) => (stdout += t)],
      [child.stderr!, (t: string) => (stderr += t)],
    ] as const) {
      stream.on('data', (b: Buffer) => {
        if ((stream === child.stdout ? stdout : stderr).length < MAX_CAPTURE) add(b.toString('utf8'));
      });
      stream.once('close', () => {
        openStreams--;
        maybeDone();
      });
    }
    child.stdin!.on('error', () => {}); // a hook that ignores stdin may close it early (EPIPE)
    child.stdin!.end(stdin);
    child.once('error', (err) => finish({ code: null, signal: null, timedOut, stdout, stderr, spawnError: err }));
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) reaper.unwatch(child.pid);
      exit ??= { code, signal };
      maybeDone();
    });
  });

function describeFailure(r: HookResult, inv: HookInvocation): string | undefined {
  if (r.spawnError) return r.spawnError.message;
  if (r.timedOut) return `timed out after ${(inv.timeoutMs ?? 0) / 1000}s, stdout: ${r.stdout.trim()}, stderr: ${r.stderr.trim()}`;
  if (r.code === 0) return undefined;
  const how = r.signal ? `signal: ${r.signal}` : `exit status ${r.code}`;
  return `${how}, stdout: ${r.stdout.trim()}, stderr: ${r.stderr.trim()}`;
}

/**
 * The document hooks read on stdin: the runtime-spec State fields only (ociVersion, id, status,
 * pid, bundle, annotations), as runc sends them — no `state` extras (rootfs, created, owner), no
 * pid once stopped. Create hooks run before state.json exists, as with runc (it stores its state
 * after prestart/createRuntime/createContainer), so this document is what they can know.
 */
export function hookStateDocument(state: OciState): string {
  return JSON.stringify({
    ociVersion: state.ociVersion,
    id: state.id,
    status: state.status,
    ...(state.pid > 0 ? { pid: state.pid } : {}),
    bundle: state.bundle,
    ...(state.annotations !== undefined && Object.keys(state.annotations).length > 0 ? { annotations: state.annotations } : {}),
  });
}

/**
 * Run the invocations in order with `state` on stdin (hookStateDocument). An `abort` hook's failure throws HookError
 * (remaining hooks of the phase do not run); a `warn` hook's failure is logged and the rest run.
 */
export async function runHooks(
  invocations: readonly HookInvocation[],
  state: OciState,
  options: { spawner?: HookSpawner; logger?: ContainerLogger } = {},
): Promise<void> {
  const spawner = options.spawner ?? spawnHook;
  const stdin = hookStateDocument(state);
  for (const inv of invocations) {
    const result = await spawner(inv, stdin);
    const failure = describeFailure(result, inv);
    if (failure === undefined) continue;
    const err = new HookError(inv, failure);
    if (inv.onFailure === 'abort') throw err;
    options.logger?.warn({ phase: inv.phase, hook: inv.index, path: inv.path, err: err.message }, 'hook failed');
  }
}
