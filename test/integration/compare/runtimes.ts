//! The two runtimes under comparison — runc (the reference) and the installed `tsrun` launcher
//! from the harness's install prefix — and one way to run either with its own `--root`.
//!
//! Output goes to files, not pipes: a container started by `create` or `run -d` inherits the
//! runtime's stdout/stderr and would keep a pipe open for as long as it lives.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { testEnv } from '../../helpers/env';

export type RuntimeName = 'runc' | 'tsrun';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['runc', 'tsrun'];

export interface Runtime {
  readonly name: RuntimeName;
  /** The executable: `runc` from PATH, or PREFIX/bin/tsrun installed by the global setup. */
  readonly bin: string;
  /** State directory passed as --root (under the worker's scratch dir). */
  readonly root: string;
}

export interface RtResult {
  readonly runtime: RuntimeName;
  readonly args: readonly string[];
  /** Exit code; null when a signal ended the runtime itself. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Both runtimes with state roots under `base`. */
export function runtimesUnder(base: string): Record<RuntimeName, Runtime> {
  return {
    runc: { name: 'runc', bin: 'runc', root: path.join(base, 'runc-root') },
    tsrun: { name: 'tsrun', bin: path.join(testEnv().binDir, 'tsrun'), root: path.join(base, 'tsrun-root') },
  };
}

let seq = 0;

export interface RtOptions {
  /** SIGKILL (by pid) after this long; default 60 s. */
  readonly timeoutMs?: number;
  /** Extra global flags before the verb (e.g. --debug). */
  readonly global?: readonly string[];
}

/** A running runtime command (for `run` in the foreground while the test acts on it). */
export interface RtProcess {
  readonly pid: number;
  readonly done: Promise<RtResult>;
}

/** Starts `<bin> --root <root> [global] args…` with stdout/stderr in files under `outDir`. */
export function rtStart(r: Runtime, args: readonly string[], outDir: string, opts: RtOptions = {}): RtProcess {
  fs.mkdirSync(outDir, { recursive: true });
  seq += 1;
  const outFile = path.join(outDir, `${r.name}-${seq}.out`);
  const errFile = path.join(outDir, `${r.name}-${seq}.err`);
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  const argv = ['--root', r.root, ...(opts.global ?? []), ...args];
  let child;
  try {
    child = spawn(r.bin, argv, { stdio: ['ignore', out, err] });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  const pid = child.pid ?? -1;
  const done = new Promise<RtResult>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${r.name} ${argv.join(' ')}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const read = (f: string): string => {
        const s = fs.readFileSync(f, 'utf8');
        fs.rmSync(f, { force: true });
        return s;
      };
      resolve({ runtime: r.name, args: argv, code, signal, stdout: read(outFile), stderr: read(errFile), timedOut });
    });
  });
  return { pid, done };
}

/** Runs `<bin> --root <root> args…` to completion. */
export function rt(r: Runtime, args: readonly string[], outDir: string, opts: RtOptions = {}): Promise<RtResult> {
  return rtStart(r, args, outDir, opts).done;
}

/** One line naming the command and how it ended, plus its output, for assertion messages. */
export function describeRt(x: RtResult): string {
  const how = x.timedOut ? 'timed out' : x.code !== null ? `exit ${x.code}` : `signal ${x.signal}`;
  const tail = (s: string): string => s.trim().split('\n').slice(-20).join('\n');
  return `${x.runtime} ${x.args.join(' ')}: ${how}\nstdout: ${tail(x.stdout)}\nstderr: ${tail(x.stderr)}`;
}

/** Throws with the command's output unless it exited 0. */
export function expectOk(x: RtResult): RtResult {
  if (x.code !== 0) throw new Error(describeRt(x));
  return x;
}
