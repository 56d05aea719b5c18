//! Bundles for the side-by-side comparison: `runc spec` (the same base config.json for both
//! runtimes), edited per case, over a private copy of the harness's busybox rootfs
//! (build/image/rootfs is shared and read-only, so every bundle gets its own copy).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { testEnv } from '../../helpers/env';

/** config.json as plain JSON; cases edit it freely (numbers, not the library's bigints). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- config.json is edited freely by cases
export type Config = Record<string, any>;

let baseSpec: string | undefined;

/** `runc spec` output, generated once per worker in a temp dir. */
export function runcSpec(scratch: string): Config {
  if (baseSpec === undefined) {
    const dir = fs.mkdtempSync(path.join(scratch, 'runc-spec-'));
    try {
      const r = spawnSync('runc', ['spec', '--bundle', dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`runc spec failed (${r.status}): ${r.stderr}`);
      baseSpec = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return JSON.parse(baseSpec) as Config;
}

export interface Bundle {
  readonly dir: string;
  readonly rootfs: string;
  readonly config: Config;
}

export interface BundleOptions {
  /** Container id: becomes the cgroup path `/<id>` so leak checks find a leftover cgroup. */
  readonly id: string;
  /** Edits the config (after the defaults below). */
  readonly edit?: (c: Config, b: { dir: string; rootfs: string }) => void;
  /** Prepares the rootfs copy (files, symlinks) before the runtime sees it. */
  readonly prepare?: (rootfs: string) => void;
  /** Skip the rootfs copy (negative cases). */
  readonly noRootfs?: boolean;
  /**
   * Keep `runc spec`'s process.capabilities.ambient. runc spec asks for three ambient caps without
   * making them inheritable; the kernel refuses to raise those and runc ignores that silently. One
   * case (sees.test.ts, "runc spec as is") checks that tsrun behaves the same; the others drop the
   * ambient set so each case tests only what it is about.
   */
  readonly keepAmbient?: boolean;
}

/**
 * DIR/config.json + DIR/rootfs: runc's default spec with terminal off, cgroupsPath `/<id>` and
 * (unless keepAmbient) no ambient capabilities, then `edit`. The config is written as given (a case may write something invalid on purpose).
 */
export function makeBundle(dir: string, opts: BundleOptions): Bundle {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(dir, { recursive: true });
  if (!opts.noRootfs) {
    fs.cpSync(testEnv().image.rootfs, rootfs, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    opts.prepare?.(rootfs);
  }
  const config = runcSpec(path.dirname(dir));
  config.process.terminal = false;
  config.linux.cgroupsPath = `/${opts.id}`;
  if (!opts.keepAmbient) delete config.process.capabilities.ambient;
  opts.edit?.(config, { dir, rootfs });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  return { dir, rootfs, config };
}
