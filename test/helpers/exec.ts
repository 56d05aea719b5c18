//! Run a program (never a shell) and collect its output; used by the harness and by tests.
import { spawn } from 'child_process';

export interface RunResult {
  readonly cmd: string;
  readonly args: readonly string[];
  /** Exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the timeout killed it. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  /** Kill (SIGKILL, by pid) after this many ms; default 60 s. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to stdin, which is then closed; stdin is /dev/null without it. */
  readonly input?: string;
}

/** Runs `cmd args`; resolves with the result whatever the exit status (rejects only on spawn errors). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        cmd,
        args,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    if (opts.input !== undefined && child.stdin) child.stdin.end(opts.input);
  });
}

/** One line naming the command and how it ended, for assertion messages. */
export function describeResult(r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.code !== null ? `exit ${r.code}` : `signal ${r.signal}`;
  const tail = (s: string): string => s.trim().split('\n').slice(-15).join('\n');
  return `${[r.cmd, ...r.args].join(' ')}: ${how}\nstdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`;
}

/** Like run(), but throws (with the output) unless the exit code is 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(describeResult(r));
  return r;
}
