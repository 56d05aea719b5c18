//! Where tsrun's native files are (libtsrun.so, helper executables, and in the single executable
//! koffi's addon). One answer for both ways tsrun runs:
//!
//! * from dist/ (a checkout or the launcher install): `build/` next to `dist/`
//!   (`$TSRUN_LIBTSRUN` overrides libtsrun.so there, for tests);
//! * from the single executable (`make sea`): the files are SEA assets, listed with their sha256 in
//!   the asset `tsrun-assets.json`; they are written once to `<base>/<hash>/` (hash over all of
//!   them), where `<base>` is the first usable of $TSRUN_ASSET_DIR (alone, when set), then
//!   /var/lib/tsrun/native (persistent: extracted once per version, not per boot) and
//!   /run/tsrun-native (root; not under /run/tsrun, the CLI's state root, where every directory is a
//!   container), $XDG_RUNTIME_DIR/tsrun/sea and
//!   ~/.cache/tsrun/sea (others), then <tmpdir>/tsrun-sea-<uid>. A base must be owned by us, not
//!   group/world-writable, and not on a noexec mount (dlopen would fail). Extraction writes a
//!   temporary directory and renames it into place, so concurrent shims never see half a tree;
//!   later runs only stat the files. The process that extracts a new tree prunes the base: sibling
//!   trees of other versions that no process has mapped (/proc/*/maps), and temporary trees of
//!   extractions that died (older than an hour).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sea from 'node:sea';

/** Name of the SEA asset holding the manifest (written by scripts/sea/build.ts). */
export const MANIFEST_ASSET = 'tsrun-assets.json';

export interface AssetFile {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  /** file mode to extract with, e.g. 0o500 for an executable */
  readonly mode: number;
}

export interface AssetManifest {
  /** sha256 (hex, first 16 chars) over the files' names, modes and hashes: the directory name */
  readonly hash: string;
  readonly files: readonly AssetFile[];
}

export class AssetError extends Error {
  override name = 'AssetError';
}

/** True inside the single executable. */
export function isSingleExecutable(): boolean {
  return sea.isSea();
}

/** Absolute path of a native file shipped with tsrun (extracting the SEA's assets on first use). */
export function nativeFile(name: string): string {
  if (!isSingleExecutable()) {
    if (name === 'libtsrun.so' && process.env.TSRUN_LIBTSRUN) return process.env.TSRUN_LIBTSRUN;
    // dist/platform/assets.js → <top>/build/<name>
    return path.resolve(__dirname, '..', '..', 'build', name);
  }
  const m = manifest();
  if (!m.files.some((f) => f.name === name)) {
    throw new AssetError(`the single executable has no native file '${name}' (has: ${m.files.map((f) => f.name).join(', ')}); rebuild with make sea`);
  }
  return path.join(assetDir(), name);
}

let cachedManifest: AssetManifest | undefined;
let cachedDir: string | undefined;

function manifest(): AssetManifest {
  cachedManifest ??= parseManifest(sea.getAsset(MANIFEST_ASSET, 'utf8'));
  return cachedManifest;
}

/** Validates the manifest's shape (it comes from our own build, but a bad one must fail clearly). */
export function parseManifest(text: string): AssetManifest {
  const m = JSON.parse(text) as AssetManifest;
  if (typeof m.hash !== 'string' || !/^[0-9a-f]{16,64}$/.test(m.hash) || !Array.isArray(m.files)) {
    throw new AssetError(`asset manifest ${MANIFEST_ASSET} is malformed: rebuild with make sea`);
  }
  for (const f of m.files) {
    if (typeof f.name !== 'string' || f.name.includes('/') || f.name.startsWith('.') || typeof f.size !== 'number') {
      throw new AssetError(`asset manifest ${MANIFEST_ASSET} has a bad entry ${JSON.stringify(f)}`);
    }
  }
  return m;
}

/** The manifest hash: what the build computes and the directory is named after. */
export function manifestHash(files: readonly Omit<AssetFile, 'size'>[]): string {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) h.update(`${f.name}\0${f.mode}\0${f.sha256}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Where the assets go, best first (pure). */
export function candidateBases(env: NodeJS.ProcessEnv, uid: number, home: string, tmpdir: string): string[] {
  if (env.TSRUN_ASSET_DIR) return [env.TSRUN_ASSET_DIR];
  const out = uid === 0 ? ['/var/lib/tsrun/native', '/run/tsrun-native'] : [];
  if (uid !== 0 && env.XDG_RUNTIME_DIR) out.push(path.join(env.XDG_RUNTIME_DIR, 'tsrun', 'sea'));
  if (uid !== 0 && home) out.push(path.join(home, '.cache', 'tsrun', 'sea'));
  out.push(path.join(tmpdir, `tsrun-sea-${uid}`));
  return out;
}

/** Mount options of the mount holding `file` (an absolute, symlink-free path), from mountinfo text. */
export function mountOptionsFor(file: string, mountinfo: string): string[] {
  let best: { len: number; opts: string[] } | undefined;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const mp = (f[4] as string).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = mp === '/' || file === mp || file.startsWith(`${mp}/`);
    // stacked mounts on the same point: the later line is on top
    if (inside && (best === undefined || mp.length >= best.len)) best = { len: mp.length, opts: (f[5] as string).split(',') };
  }
  return best?.opts ?? [];
}

function assetDir(): string {
  if (cachedDir !== undefined) return cachedDir;
  const m = manifest();
  const uid = process.getuid?.() ?? 0;
  const bases = candidateBases(process.env, uid, os.homedir(), os.tmpdir());
  for (const base of bases) {
    const dir = path.join(base, m.hash);
    if (isComplete(dir, m, uid)) return (cachedDir = dir);
  }
  const problems: string[] = [];
  for (const base of bases) {
    try {
      return (cachedDir = extractInto(base, m, uid));
    } catch (err) {
      problems.push(`${base}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new AssetError(
    `cannot write tsrun's native files to a usable directory (${problems.join('; ')}); ` +
      'set TSRUN_ASSET_DIR to a directory we own on a filesystem mounted without noexec',
  );
}

function safeDir(dir: string, uid: number): boolean {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
}

function isComplete(dir: string, m: AssetManifest, uid: number): boolean {
  if (!safeDir(dir, uid)) return false;
  return m.files.every((f) => fs.statSync(path.join(dir, f.name), { throwIfNoEntry: false })?.size === f.size);
}

function extractInto(base: string, m: AssetManifest, uid: number): string {
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  if (!safeDir(base, uid)) throw new AssetError('not a directory owned by us with mode 0700 (or at least not group/world-writable)');
  const real = fs.realpathSync(base);
  if (mountOptionsFor(real, fs.readFileSync('/proc/self/mountinfo', 'utf8')).includes('noexec')) {
    throw new AssetError('on a noexec mount');
  }
  const final = path.join(base, m.hash);
  const tmp = fs.mkdtempSync(path.join(base, `.${m.hash}.`));
  try {
    for (const f of m.files) {
      const data = Buffer.from(sea.getAsset(f.name));
      const sum = crypto.createHash('sha256').update(data).digest('hex');
      if (sum !== f.sha256) throw new AssetError(`asset ${f.name} has sha256 ${sum}, the manifest says ${f.sha256}: the executable is damaged`);
      fs.writeFileSync(path.join(tmp, f.name), data, { mode: f.mode, flag: 'wx' });
    }
    try {
      fs.renameSync(tmp, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process extracted the same files first: use theirs.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && isComplete(final, m, uid)) return final;
      throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  try {
    pruneAssetDirs(base, m.hash, uid);
  } catch {
    // pruning is housekeeping: never a reason to fail
  }
  return final;
}

/** Temporary trees older than this belong to an extraction that died. */
export const STALE_TMP_MS = 3600_000;

export interface AssetDirEntry {
  readonly name: string;
  /** a directory owned by us, not group/world-writable */
  readonly ours: boolean;
  readonly mtimeMs: number;
}

/**
 * Which entries of an asset base may go (pure): trees of other versions (named by a hash) that no
 * process maps a file from, and temporary trees (`.<hash>.XXXXXX`) older than STALE_TMP_MS. The
 * current tree, anything not ours and any other name are kept. `inUse(name)` says whether a
 * process maps a file under `<base>/<name>/`.
 */
export function staleAssetDirs(entries: readonly AssetDirEntry[], keep: string, now: number, inUse: (name: string) => boolean): string[] {
  return entries
    .filter((e) => e.ours && e.name !== keep)
    .filter((e) => (/^[0-9a-f]{16,64}$/.test(e.name) ? !inUse(e.name) : /^\.[0-9a-f]{16,64}\.[A-Za-z0-9]{6}$/.test(e.name) && now - e.mtimeMs > STALE_TMP_MS))
    .map((e) => e.name);
}

/** Directories (as given, and resolved) under which some process maps a file, from every
 * readable /proc/<pid>/maps. */
export function mappedPaths(procDir = '/proc'): string[] {
  const out = new Set<string>();
  for (const pid of fs.readdirSync(procDir)) {
    if (!/^\d+$/.test(pid)) continue;
    let maps: string;
    try {
      maps = fs.readFileSync(path.join(procDir, pid, 'maps'), 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    for (const line of maps.split('\n')) {
      const at = line.indexOf(' /');
      if (at >= 0) out.add(line.slice(at + 1).replace(/ \(deleted\)$/, '').trim());
    }
  }
  return [...out];
}

/** Removes what staleAssetDirs() picks in `base`; returns the names removed. */
export function pruneAssetDirs(base: string, keep: string, uid: number, mapped: () => readonly string[] = mappedPaths): string[] {
  const entries: AssetDirEntry[] = [];
  for (const name of fs.readdirSync(base)) {
    const st = fs.lstatSync(path.join(base, name), { throwIfNoEntry: false });
    if (st !== undefined) entries.push({ name, ours: st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0, mtimeMs: st.mtimeMs });
  }
  if (!entries.some((e) => e.ours && e.name !== keep)) return [];
  const roots = [base, fs.realpathSync(base)];
  const files = mapped();
  const inUse = (name: string): boolean => roots.some((r) => files.some((f) => f.startsWith(`${path.join(r, name)}/`)));
  const gone = staleAssetDirs(entries, keep, Date.now(), inUse);
  for (const name of gone) fs.rmSync(path.join(base, name), { recursive: true, force: true });
  return gone;
}
