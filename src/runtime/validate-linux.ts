//! Validation of the remaining linux fields: maskedPaths/readonlyPaths, cgroupsPath,
//! rootfsPropagation, personality, intelRdt, memoryPolicy.

import type { IntelRdt, MemoryPolicy, Personality, RootfsPropagation } from './spec';
import { addNamespaceHint, type NamespaceIndex } from './validate-namespaces';
import { childPath, compact, isAbsolutePath, isCpuList, type Obj, show, SpecReader } from './validate-read';

export const ROOTFS_PROPAGATIONS: readonly RootfsPropagation[] = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];
export const MEMORY_POLICY_MODES = ['MPOL_DEFAULT', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_LOCAL'] as const;
export const MEMORY_POLICY_FLAGS = ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] as const;

/** maskedPaths / readonlyPaths: absolute paths, and only with a mount namespace. */
export function readPathList(r: SpecReader, linux: Obj, key: 'maskedPaths' | 'readonlyPaths', ns: NamespaceIndex): string[] | undefined {
  const list = r.array(
    linux,
    key,
    'linux',
    (item, path) => {
      const s = r.stringValue(item, path, { required: 'use an absolute path' });
      if (s === undefined || isAbsolutePath(s)) return s;
      return r.issue(path, `${show(s)} is not an absolute path; start it with "/"`);
    },
    { what: 'an array of absolute paths' },
  );
  if (list !== undefined && list.length > 0 && !ns.has('mount')) {
    r.issue(`linux.${key}`, `needs a mount namespace (it would change the host's mounts); ${addNamespaceHint('mount')}`);
  }
  return list;
}

/**
 * cgroupsPath: a cgroupfs path ("/a/b" or "a/b", no ".." component) or, when it has a ':', the
 * systemd driver's "slice:prefix:name" (e.g. "kubepods-besteffort-pod123.slice:cri-containerd:abc").
 */
export function readCgroupsPath(r: SpecReader, linux: Obj): string | undefined {
  const path = 'linux.cgroupsPath';
  const s = r.string(linux, 'cgroupsPath', 'linux');
  if (s === undefined || s === '') return s || undefined;
  if (s.includes('\0') || s.includes('\n')) return r.issue(path, 'contains a NUL or newline; remove it');
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 3) return r.issue(path, `${show(s)} is not a systemd cgroup path; write "slice:prefix:name", e.g. "system.slice:tsrun:c1", or use a path without ":"`);
    const [slice, prefix, name] = parts as [string, string, string];
    if (slice !== '' && (!slice.endsWith('.slice') || slice.includes('/'))) {
      return r.issue(path, `slice ${show(slice)} must be a systemd slice name ending in ".slice" (no "/"), or empty`);
    }
    if (prefix.includes('/') || name === '' || name.includes('/')) {
      return r.issue(path, `${show(s)}: prefix and name must not contain "/" and name must not be empty`);
    }
    return s;
  }
  if (s.split('/').includes('..')) return r.issue(path, `${show(s)} has a ".." component; give a path below the cgroup root`);
  return s;
}

export function readPersonality(r: SpecReader, linux: Obj): Personality | undefined {
  const path = 'linux.personality';
  const p = r.objectField(linux, 'personality', 'linux');
  if (p === undefined) return undefined;
  const domain = r.oneOf(p, 'domain', path, ['LINUX', 'LINUX32'] as const, 'an execution domain', { required: 'use "LINUX" or "LINUX32"' });
  const flags = r.stringArray(p, 'flags', path);
  if (flags !== undefined && flags.length > 0) r.issue(childPath(path, 'flags'), 'no personality flags are defined by the runtime spec; remove them');
  return domain === undefined ? undefined : compact<Personality>({ domain, flags: flags?.length ? flags : undefined });
}

export function readIntelRdt(r: SpecReader, linux: Obj): IntelRdt | undefined {
  const path = 'linux.intelRdt';
  const o = r.objectField(linux, 'intelRdt', 'linux');
  if (o === undefined) return undefined;
  const closID = r.string(o, 'closID', path);
  if (closID !== undefined && (closID === '.' || closID === '..' || (closID.length > 1 && closID.includes('/')))) {
    r.issue(childPath(path, 'closID'), `${show(closID)} is not a resctrl group name; use a plain name (or "/" for the default group)`);
  }
  const noNewline = (key: string): string | undefined => {
    const s = r.string(o, key, path);
    if (s !== undefined && s.includes('\n')) return r.issue(childPath(path, key), 'must not contain a newline');
    return s;
  };
  const memBwSchema = noNewline('memBwSchema');
  if (memBwSchema && !memBwSchema.startsWith('MB:')) r.issue(childPath(path, 'memBwSchema'), 'must start with "MB:"');
  return compact<IntelRdt>({
    closID,
    schemata: r.array(o, 'schemata', path, (item, p) => {
      const s = r.stringValue(item, p, { required: 'use a schemata line' });
      return s !== undefined && s.includes('\n') ? r.issue(p, 'must not contain a newline; give one line per entry') : s;
    }),
    l3CacheSchema: noNewline('l3CacheSchema'),
    memBwSchema,
    enableMonitoring: r.boolean(o, 'enableMonitoring', path),
  });
}

export function readMemoryPolicy(r: SpecReader, linux: Obj): MemoryPolicy | undefined {
  const path = 'linux.memoryPolicy';
  const o = r.objectField(linux, 'memoryPolicy', 'linux');
  if (o === undefined) return undefined;
  const mode = r.oneOf(o, 'mode', path, MEMORY_POLICY_MODES, 'a memory policy mode', { required: 'e.g. "MPOL_INTERLEAVE"' });
  const nodes = r.string(o, 'nodes', path);
  if (nodes !== undefined && nodes !== '' && !isCpuList(nodes)) r.issue(childPath(path, 'nodes'), `${show(nodes)} is not a node list; write it like "0-3,7"`);
  const hasNodes = nodes !== undefined && nodes !== '';
  if ((mode === 'MPOL_DEFAULT' || mode === 'MPOL_LOCAL') && hasNodes) r.issue(childPath(path, 'nodes'), `must be empty for ${mode}; remove it`);
  if ((mode === 'MPOL_BIND' || mode === 'MPOL_INTERLEAVE' || mode === 'MPOL_PREFERRED_MANY' || mode === 'MPOL_WEIGHTED_INTERLEAVE') && !hasNodes) {
    r.issue(childPath(path, 'nodes'), `is required for ${mode}; list at least one node, e.g. "0"`);
  }
  const flags = r.array(o, 'flags', path, (item, p) => {
    const f = r.stringValue(item, p, { required: 'use an MPOL_F_* name' });
    if (f === undefined || (MEMORY_POLICY_FLAGS as readonly string[]).includes(f)) return f;
    return r.issue(p, `${show(f)} is not a memory policy flag; use one of ${MEMORY_POLICY_FLAGS.join(', ')}`);
  });
  return mode === undefined ? undefined : compact<MemoryPolicy>({ mode, nodes: hasNodes ? nodes : undefined, flags });
}

export function readRootfsPropagation(r: SpecReader, linux: Obj): RootfsPropagation | undefined {
  if (linux.rootfsPropagation === '') return undefined;
  return r.oneOf(linux, 'rootfsPropagation', 'linux', ROOTFS_PROPAGATIONS, 'a mount propagation');
}
