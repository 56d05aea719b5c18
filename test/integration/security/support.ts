//! Shared pieces of the security suite (docs/security.md): attack rootfs trees, the freestanding
//! attacker binary, and one way to run a container through each front end — the `tsrun` CLI next
//! to runc on identical bundles, and the shim through `ctr run --config` on real containerd next to
//! io.containerd.runc.v2. Everything a test makes lives under its scratch dir and is removed by it.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { makeRootfs } from '../cli/side-by-side';
import { ctr } from '../../helpers/containerd';
import type { ContainerdHandle } from '../../helpers/env';
import type { RunResult } from '../../helpers/exec';
import { runFlags, type ShimTest, writeSpec } from '../shim/support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- config.json edited freely by tests
export type Config = Record<string, any>;

export const FIXTURES = path.join(__dirname, 'fixtures');

/** sha256 of a file (the host runtime binaries the attacks try to overwrite). */
export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Builds fixtures/exe-attacker.c (freestanding static PIE: it also serves as an ELF interpreter). */
export function buildAttacker(out: string): string {
  execFileSync('gcc', [
    '-Os', '-static-pie', '-nostdlib', '-fPIE', '-fno-stack-protector', '-fno-builtin', '-Wall', '-Werror',
    '-o', out, path.join(FIXTURES, 'exe-attacker.c'),
  ]);
  return out;
}

/** A busybox rootfs with the extra applets the probes use. */
export function makeProbeRootfs(dir: string): string {
  makeRootfs(dir);
  for (const a of ['grep', 'mount', 'touch', 'mkdir', 'rm', 'mv', 'ln', 'readlink', 'stat', 'pwd', 'chmod', 'test', 'wc', 'head', 'tr', 'umount']) {
    const link = path.join(dir, 'bin', a);
    if (!fs.existsSync(link)) fs.symlinkSync('busybox', link);
  }
  for (const d of ['tmp', 'root', 'out', 'vol', 'mnt']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nuser:x:1000:\n');
  return dir;
}

/**
 * The shim front end: `ctr run --rm --config` of a spec from ctr's defaults (writeSpec) whose root
 * is `rootfs` (read-only unless edited), running `args`. Resolves with ctr's result.
 */
export async function shimRun(t: ShimTest, label: string, rootfs: string, args: string[], edit?: (s: Config) => void): Promise<RunResult> {
  const id = t.res.container(label);
  const spec = await writeSpec(t.h, id, t.res.dir('spec'), {
    args,
    edit: (s) => {
      s.root = { path: rootfs, readonly: true };
      edit?.(s);
    },
  });
  return ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--config', spec, id], { timeoutMs: 60_000 });
}

/** Detached `ctr run -d --config` (the caller's Resources remove it). Returns the id. */
export async function shimRunDetached(t: ShimTest, label: string, rootfs: string, args: string[], edit?: (s: Config) => void): Promise<string> {
  const id = t.res.container(label);
  const spec = await writeSpec(t.h, id, t.res.dir('spec'), {
    args,
    edit: (s) => {
      s.root = { path: rootfs, readonly: true };
      edit?.(s);
    },
  });
  const r = await ctr(t.h, ['run', '-d', ...runFlags(t.runtime), '--config', spec, id], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ctr run -d ${id} (${t.runtime}) failed (${r.code}): ${r.stderr}`);
  return id;
}

/** The files a runtime's shim runs from (what CVE-2019-5736 would overwrite), with their hashes. */
export function shimBinaries(h: ContainerdHandle, runtime: string): Map<string, string> {
  const out = new Map<string, string>();
  const dirs = h.path.split(':');
  const names = runtime === 'io.containerd.runc.v2' ? ['containerd-shim-runc-v2', 'runc'] : ['containerd-shim-tsrun-v1'];
  for (const name of names) {
    const dir = dirs.find((d) => fs.existsSync(path.join(d, name)));
    if (!dir) throw new Error(`${name} is not on containerd's PATH ${h.path}`);
    const file = fs.realpathSync(path.join(dir, name));
    out.set(file, sha256(file));
    // the launcher install: the program really executed is the pinned node under lib/tsrun
    const node = path.join(dir, '..', 'lib', 'tsrun', 'bin', 'node');
    if (name === 'containerd-shim-tsrun-v1' && fs.existsSync(node)) out.set(fs.realpathSync(node), sha256(node));
  }
  return out;
}

export function hashesOf(files: Iterable<string>): Map<string, string> {
  return new Map([...files].map((f) => [f, sha256(f)]));
}

/** config.json from `runc spec` in `dir` (terminal off, no ambient set: see cli/side-by-side), edited. */
export function writeCliConfig(dir: string, edit: (c: Config) => void): void {
  const res = spawnSync('runc', ['spec', '--bundle', dir]);
  if (res.status !== 0) throw new Error(`runc spec failed: ${res.stderr}`);
  const file = path.join(dir, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Config;
  c.process.terminal = false;
  delete c.process.capabilities.ambient;
  edit(c);
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
}
