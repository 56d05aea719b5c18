//! Reading and writing cgroup files, with errors that name the file, the value and the likely fix.

import { constants as fsc, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { CgroupError } from '../errors';

/** What usually causes each errno when writing a cgroup file. */
function hintFor(code: string, file: string): string {
  switch (code) {
    case 'EBUSY':
      if (file.startsWith('memory.')) return 'current usage is above the new limit, or memsw is below the memory limit';
      if (file === 'cgroup.subtree_control') return 'the cgroup has processes of its own (cgroup v2 "no internal processes" rule)';
      if (file === 'cgroup.procs') return 'the cgroup has controllers enabled for children: on cgroup v2 processes live in leaf cgroups only';
      return 'the cgroup is in use';
    case 'EINVAL':
      return 'value out of range or not accepted by this kernel';
    case 'ENOENT':
      return 'the file does not exist: controller not mounted/enabled or not supported by this kernel';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: needs root or a delegated cgroup';
    case 'ENOSPC':
      return file.startsWith('cpuset.') ? 'cpuset.cpus/mems is empty or outside the parent\'s set' : 'no space (cgroup limits reached)';
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      if (file === 'cgroup.procs') return 'the cgroup is not a valid domain for processes (threaded subtree, or a parent holds processes while its children have controllers)';
      return 'the controller does not support this here (for example, cpu with realtime tasks in the parent)';
    case 'ENODEV':
      return 'no such device';
    case 'ERANGE':
      return 'value out of range';
    default:
      return '';
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EIO';
}

export function cgroupError(dir: string, file: string, value: string | undefined, err: unknown): CgroupError {
  const code = codeOf(err);
  return new CgroupError(file, value, code, dir, hintFor(code, file), { cause: err });
}

/** Write one value to dir/file (O_WRONLY|O_TRUNC, no O_CREAT: a missing file is an error, not a new file). */
export async function writeCgroupFile(dir: string, file: string, value: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(join(dir, file), fsc.O_WRONLY | fsc.O_TRUNC);  // libuv adds O_CLOEXEC
    await fh.write(value);
  } catch (err) {
    throw cgroupError(dir, file, value, err);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export async function readCgroupFile(dir: string, file: string): Promise<string> {
  try {
    return await fsp.readFile(join(dir, file), 'utf8');
  } catch (err) {
    throw cgroupError(dir, file, undefined, err);
  }
}

/** Read a file, or undefined when it does not exist. */
export async function readOptional(dir: string, file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(join(dir, file), 'utf8');
  } catch (err) {
    if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENODEV' || codeOf(err) === 'EOPNOTSUPP') return undefined;
    throw cgroupError(dir, file, undefined, err);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof CgroupError ? err.errno === 'ENOENT' : codeOf(err) === 'ENOENT';
}

/** mkdir -p with a typed error. */
export async function makeCgroupDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (err) {
    throw cgroupError(dir, '(mkdir)', undefined, err);
  }
}

/** Parse cgroup.procs / tasks: one pid a line. */
export function parsePids(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const n = Number.parseInt(line, 10);
    if (Number.isInteger(n) && n > 0) out.push(n);
  }
  return out;
}

/** Child cgroup directories of dir (recursive, deepest last). */
export async function descendants(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return;
      throw cgroupError(d, '(readdir)', undefined, err);
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        const child = join(d, e.name);
        out.push(child);
        await walk(child);
      }
    }
  };
  await walk(dir);
  return out;
}

/** Every pid in cgroup.procs of dir and all its descendants. */
export async function pidsRecursive(dir: string): Promise<number[]> {
  const dirs = [dir, ...(await descendants(dir))];
  const pids = new Set<number>();
  for (const d of dirs) {
    const text = await readOptional(d, 'cgroup.procs');
    for (const p of parsePids(text ?? '')) pids.add(p);
  }
  return [...pids];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * rmdir dir's subtree leaf-first; EBUSY (processes still exiting) is retried until `timeoutMs`.
 * A missing directory counts as removed.
 */
export async function removeCgroupTree(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const dirs = [dir, ...(await descendants(dir))].reverse();
  for (const d of dirs) {
    let delay = 5;
    for (;;) {
      try {
        await fsp.rmdir(d);
        break;
      } catch (err) {
        const code = codeOf(err);
        if (code === 'ENOENT') break;
        if ((code === 'EBUSY' || code === 'EAGAIN' || code === 'ENOTEMPTY') && Date.now() < deadline) {
          await sleep(delay);
          delay = Math.min(delay * 2, 100);
          continue;
        }
        throw new CgroupError('(rmdir)', undefined, code, d, code === 'EBUSY' ? 'processes are still in the cgroup; kill them first' : hintFor(code, ''), { cause: err });
      }
    }
  }
}

/** Parse a flat "key value" file (memory.stat, cpu.stat, memory.events) into bigints. */
export function parseFlatKeyed(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (!k || v === undefined) continue;
    try {
      out.set(k, BigInt(v));
    } catch {
      // non-numeric value: not a counter
    }
  }
  return out;
}

export const U64_MAX = 18446744073709551615n;

/** A single-number file: "max" → U64_MAX (v2 semantics) or `maxAs`; empty/missing → 0. */
export function parseU64(text: string | undefined, maxAs: bigint = U64_MAX): bigint {
  const t = (text ?? '').trim();
  if (t === '') return 0n;
  if (t === 'max') return maxAs;
  try {
    return BigInt(t);
  } catch {
    return 0n;
  }
}
