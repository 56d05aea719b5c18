//! Running the criu binary: finding it (an explicit path, $TSRUN_CRIU, else `criu` on PATH and the
//! sbin directories), running one planned invocation with the fds it needs, and turning a failure
//! into an error that quotes criu's log and names the fix. CRIU is a host program (no namespaces,
//! nothing between fork and exec) with captured output: libuv's spawn, as for OCI hooks (see the
//! eslint override). Where the reaper also reaps orphans (the shim) its orphan reaping pauses while
//! criu runs, so the tree criu restores as our child is watched before anything can reap it.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FailedPreconditionError, ShimError } from '../errors';
import { reaper } from '../linux/reaper';
import { Code } from '../ttrpc/status';
import type { CriuInvocation } from './plan';

/** criu ran and failed; the message quotes the errors of its log. */
export class CriuError extends ShimError {
  constructor(message: string, readonly logPath: string, options?: { cause?: unknown }) {
    super(Code.UNKNOWN, message, options);
  }
}

const INSTALL_HINT = 'install CRIU >= 4.1 (scripts/criu/fetch.sh unpacks Debian trixie\'s 4.1 under build/) and put it on PATH, or name it with TSRUN_CRIU / the runtime option criu_path / --criu';

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The criu binary to run. `explicit` (runc Options.criu_path, `tsrun --criu`) wins over
 * $TSRUN_CRIU, which wins over PATH. A missing binary is FailedPrecondition naming where the name came from.
 */
export function resolveCriu(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const [name, from] = explicit !== undefined && explicit !== ''
    ? [explicit, 'criu path option']
    : env.TSRUN_CRIU !== undefined && env.TSRUN_CRIU !== '' ? [env.TSRUN_CRIU, 'TSRUN_CRIU'] : ['criu', 'PATH'];
  if (name.includes('/')) {
    if (isExecutable(name)) return name;
    throw new FailedPreconditionError(`criu binary ${name} (from ${from}): not found or not executable; ${INSTALL_HINT}`);
  }
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  throw new FailedPreconditionError(`criu: "${name}" not found on PATH or in the sbin directories (from ${from}); checkpoint/restore needs it: ${INSTALL_HINT}`);
}

export interface CriuResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_CAPTURE = 64 * 1024;

/** Run `binary args…` with `passFds` as its fds 3, 4, …; resolves when it exits (never rejects on exit status). */
export function runCriuBinary(binary: string, inv: CriuInvocation, timeoutMs = 120_000): Promise<CriuResult> {
  return new Promise((resolve, reject) => {
    const r = reaper();
    r.beginSpawn();
    let ended = false;
    const end = (): void => {
      if (!ended) {
        ended = true;
        r.endSpawn();
      }
    };
    let stdout = '';
    let stderr = '';
    let exit: { code: number | null; signal: string | null } | undefined;
    let open = 2;
    let settled = false;
    const finish = (): void => {
      if (settled || exit === undefined || open > 0) return;
      settled = true;
      clearTimeout(timer);
      end();
      resolve({ ...exit, stdout, stderr });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(binary, [...inv.args], { stdio: ['ignore', 'pipe', 'pipe', ...inv.passFds], cwd: '/' });
    } catch (err) {
      end();
      reject(err as Error);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid !== undefined) {
        void r.watch(pid, null).then((s) => {
          child.unref();
          exit ??= { code: s.signal !== undefined ? null : s.status, signal: s.signal !== undefined ? String(s.signal) : null };
          open = 0;
          finish();
        });
      }
    });
    child.stdout!.on('data', (b: Buffer) => { if (stdout.length < MAX_CAPTURE) stdout += b.toString('utf8'); });
    child.stderr!.on('data', (b: Buffer) => { if (stderr.length < MAX_CAPTURE) stderr += b.toString('utf8'); });
    for (const s of [child.stdout!, child.stderr!]) s.once('close', () => { open = Math.max(0, open - 1); finish(); });
    child.once('error', (err) => {
      clearTimeout(timer);
      end();
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) r.unwatch(child.pid);
      exit ??= { code, signal };
      finish();
    });
  });
}

/** The lines of a criu log that report errors (the last `max`), or [] when the log is unreadable. */
export function criuLogErrors(logPath: string, max = 8): string[] {
  let text: string;
  try {
    text = fs.readFileSync(logPath, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => /\bError\b/.test(l) && !/RLIMIT_NOFILE/.test(l)).slice(-max).map((l) => l.trim());
}

/** Explain a failed criu run: known environment problems first, then criu's own error lines. */
export function describeCriuFailure(verb: string, binary: string, result: CriuResult, logPath: string, errors: readonly string[]): string {
  const all = [...errors, ...result.stderr.split('\n').filter((l) => /Error/.test(l))].join('\n');
  const how = result.signal !== null ? `killed by signal ${result.signal}` : `exit status ${String(result.code)}`;
  if (/Unexpected rt vDSO area bounds|kerndat_vdso_fill_symtable|Failed to fill self vdso symtable/.test(all)) {
    return `criu ${verb}: ${binary} cannot run on this kernel (${os.release()}): its vDSO detection predates the vvar layout of kernels >= 6.13 ` +
      `("vdso: Unexpected rt vDSO area bounds"; checkpoint-restore/criu#2532, fixed in CRIU 4.1; bookworm ships 3.17.1, ` +
      `and runc fails the same way with it): ${INSTALL_HINT}`;
  }
  if (/A session leader of .* is outside of its pid namespace/.test(all)) {
    return `criu ${verb}: the container's init is not its own session leader, and its session is outside the container's pid namespace ` +
      `(CRIU cannot dump that); tsrun's init calls setsid() as runc's does — recreate the container with this tsrun. Full log: ${logPath}`;
  }
  const lines = errors.length > 0 ? errors : result.stderr.trim().split('\n').slice(-8);
  return `criu ${verb} failed (${how}); ${lines.length > 0 ? `criu says:\n  ${lines.join('\n  ')}\n` : ''}full log: ${logPath}`;
}

/** Run a planned invocation; throws CriuError (or FailedPrecondition for a binary that cannot start). */
export async function runCriu(verb: string, binary: string, inv: CriuInvocation): Promise<void> {
  let result: CriuResult;
  try {
    result = await runCriuBinary(binary, inv);
  } catch (err) {
    throw new FailedPreconditionError(`criu ${verb}: cannot run ${binary}: ${(err as Error).message}; ${INSTALL_HINT}`, { cause: err });
  }
  if (result.code === 0) return;
  throw new CriuError(describeCriuFailure(verb, binary, result, inv.logPath, criuLogErrors(inv.logPath)), inv.logPath);
}
