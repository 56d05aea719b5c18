// A private containerd for one test file: its own root, state, sockets and config under a temp dir,
// started as our child and stopped by pid. Needs root and /usr/bin/containerd.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PrivateContainerd {
  readonly dir: string;
  /** The gRPC socket (`ctr -a`). */
  readonly address: string;
  /** containerd's ttrpc socket, `<address>.ttrpc` (what shims get as TTRPC_ADDRESS). */
  readonly ttrpcAddress: string;
  /** Everything containerd wrote to stdout/stderr so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function which(bin: string): string {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, bin);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${bin} not found in PATH; install Debian's containerd package (apt-get install containerd)`);
}

function config(dir: string): string {
  return [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${dir}/containerd.sock"`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${dir}/opt"`,
    '',
  ].join('\n');
}

/** `ctr -a <address> <args…>`, resolving with stdout. */
export function ctr(address: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(which('ctr'), ['-a', address, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ctr ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function until(what: string, check: () => Promise<boolean> | boolean, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; containerd log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Start containerd on a fresh temp dir and wait until it answers `ctr version`. */
export async function startContainerd(): Promise<PrivateContainerd> {
  if (process.getuid?.() !== 0) throw new Error('the ttrpc integration test needs root (containerd checks SO_PEERCRED and mounts)');
  const binary = which('containerd');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttrpc-it-'));
  const address = path.join(dir, 'containerd.sock');
  const configPath = path.join(dir, 'config.toml');
  fs.writeFileSync(configPath, config(dir));
  let output = '';
  const child: ChildProcess = spawn(binary, ['--config', configPath, '--root', `${dir}/root`, '--state', `${dir}/state`, '--address', address], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer): void => void (output += b.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => output;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const running = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`containerd exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    };
    await until('containerd sockets', () => (running(), fs.existsSync(`${address}.ttrpc`) && fs.existsSync(address)), log);
    await until('ctr version', () => ctr(address, 'version').then(() => true, () => false), log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, address, ttrpcAddress: `${address}.ttrpc`, log, stop };
}
