//! Validation of linux.namespaces and of the fields that need a namespace: uid/gid mappings (user),
//! timeOffsets (time), hostname/domainname (uts), sysctl (ipc, network, uts, user, as runc checks),
//! maskedPaths/readonlyPaths (mount), netDevices (network).

import type { IdMapping, Namespace, NamespaceType, TimeNamespaceClock, TimeOffset } from './spec';
import { childPath, compact, isAbsolutePath, type Obj, show, SpecReader, U32_MAX } from './validate-read';

export const NAMESPACE_TYPES: readonly NamespaceType[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];

/** The kernel's limit on lines in uid_map/gid_map (since Linux 4.15). */
export const MAX_ID_MAPPINGS = 340;

/** Namespaces by type, each with the index it has in linux.namespaces. */
export type NamespaceIndex = ReadonlyMap<NamespaceType, { readonly index: number; readonly path?: string }>;

export function readNamespaces(r: SpecReader, linux: Obj, parent: string): { list?: Namespace[]; index: NamespaceIndex } {
  const index = new Map<NamespaceType, { index: number; path?: string }>();
  const list = r.array(
    linux,
    'namespaces',
    parent,
    (item, path, i) => {
      const n = r.object(item, path);
      if (n === undefined) return undefined;
      const type = r.oneOf(n, 'type', path, NAMESPACE_TYPES, 'a namespace type', { required: `use one of ${NAMESPACE_TYPES.join(', ')}` });
      const nsPath = r.string(n, 'path', path);
      if (nsPath !== undefined && !isAbsolutePath(nsPath)) {
        r.issue(childPath(path, 'path'), `${show(nsPath)} is not an absolute path; give the namespace file, e.g. "/proc/1234/ns/${type ?? 'net'}", or remove path to create a new namespace`);
      }
      if (type === undefined) return undefined;
      const first = index.get(type);
      if (first !== undefined) {
        return r.issue(childPath(path, 'type'), `"${type}" is listed twice (also at ${parent}.namespaces[${first.index}]); keep one entry per type`);
      }
      index.set(type, compact({ index: i, path: nsPath || undefined }));
      return compact<Namespace>({ type, path: nsPath || undefined });
    },
    { what: 'an array of {"type", "path"} objects' },
  );
  return { list, index };
}

/** `how to add it` hint for a missing namespace type. */
export function addNamespaceHint(type: NamespaceType): string {
  return `add {"type": "${type}"} to linux.namespaces`;
}

/** uidMappings/gidMappings of linux or of a mount: each range inside uint32, no overlaps, ≤ 340. */
export function readIdMappings(r: SpecReader, o: Obj, key: string, parent: string): IdMapping[] | undefined {
  const path = childPath(parent, key);
  const list = r.array(
    o,
    key,
    parent,
    (item, p) => {
      const m = r.object(item, p);
      if (m === undefined) return undefined;
      const containerID = r.int(m, 'containerID', p, { min: 0, max: U32_MAX, required: 'give the first id inside the container' });
      const hostID = r.int(m, 'hostID', p, { min: 0, max: U32_MAX, required: 'give the first id on the host' });
      const size = r.int(m, 'size', p, { min: 1, max: U32_MAX, required: 'give the number of ids to map (at least 1)' });
      if (containerID === undefined || hostID === undefined || size === undefined) return undefined;
      if (containerID + size > U32_MAX + 1 || hostID + size > U32_MAX + 1) {
        return r.issue(childPath(p, 'size'), `${size} ids from containerID ${containerID} / hostID ${hostID} run past 4294967295; lower size`);
      }
      return { containerID, hostID, size };
    },
    { what: 'an array of {"containerID", "hostID", "size"} objects' },
  );
  if (list === undefined) return undefined;
  if (list.length > MAX_ID_MAPPINGS) r.issue(path, `has ${list.length} entries; the kernel accepts at most ${MAX_ID_MAPPINGS}`);
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (overlaps(a.containerID, a.size, b.containerID, b.size)) {
        r.issue(`${path}[${i}]`, `container ids ${a.containerID}..${a.containerID + a.size - 1} overlap another entry (${b.containerID}..${b.containerID + b.size - 1}); make the ranges disjoint`);
      } else if (overlaps(a.hostID, a.size, b.hostID, b.size)) {
        r.issue(`${path}[${i}]`, `host ids ${a.hostID}..${a.hostID + a.size - 1} overlap another entry (${b.hostID}..${b.hostID + b.size - 1}); make the ranges disjoint`);
      }
    }
  }
  return list;
}

function overlaps(a: number, an: number, b: number, bn: number): boolean {
  return a < b + bn && b < a + an;
}

/** linux.uidMappings/gidMappings against the user namespace entry. */
export function checkUserNamespace(r: SpecReader, ns: NamespaceIndex, uid: IdMapping[] | undefined, gid: IdMapping[] | undefined): void {
  const user = ns.get('user');
  if (user === undefined) {
    if (uid !== undefined) r.issue('linux.uidMappings', `needs a user namespace; ${addNamespaceHint('user')} or remove the mappings`);
    if (gid !== undefined) r.issue('linux.gidMappings', `needs a user namespace; ${addNamespaceHint('user')} or remove the mappings`);
    return;
  }
  if (user.path !== undefined) return;
  const where = `linux.namespaces[${user.index}]`;
  // entries already refused leave the list short: that issue is the one to fix
  const refused = (key: string) => r.issues.some((i) => i.path.startsWith(`linux.${key}[`));
  if ((uid === undefined || uid.length === 0) && !refused('uidMappings')) r.issue('linux.uidMappings', `is required for the new user namespace (${where}); map at least one uid, e.g. [{"containerID": 0, "hostID": 100000, "size": 65536}]`);
  if ((gid === undefined || gid.length === 0) && !refused('gidMappings')) r.issue('linux.gidMappings', `is required for the new user namespace (${where}); map at least one gid, e.g. [{"containerID": 0, "hostID": 100000, "size": 65536}]`);
}

const CLOCKS: readonly TimeNamespaceClock[] = ['boottime', 'monotonic'];

/** KTIME_SEC_MAX / 2: the largest clock value (seconds) a time namespace offset may produce */
export const TIME_OFFSET_MAX_SECS = 4_611_686_018n;

export function readTimeOffsets(r: SpecReader, linux: Obj, ns: NamespaceIndex): Partial<Record<TimeNamespaceClock, TimeOffset>> | undefined {
  const offsets = r.map(linux, 'timeOffsets', 'linux', (v, path, clock) => {
    if (!(CLOCKS as readonly string[]).includes(clock)) return r.issue(path, `is not a time namespace clock; use "boottime" or "monotonic"`);
    const o = r.object(v, path);
    if (o === undefined) return undefined;
    return compact<TimeOffset>({
      // the kernel refuses offsets that put the clock past KTIME_SEC_MAX / 2 (or below 0: ERANGE at create)
      secs: r.int64(o, 'secs', path, { min: -TIME_OFFSET_MAX_SECS, max: TIME_OFFSET_MAX_SECS }),
      nanosecs: r.int(o, 'nanosecs', path, { min: 0, max: 999_999_999 }),
    });
  });
  if (offsets === undefined) return undefined;
  const time = ns.get('time');
  if (time === undefined) r.issue('linux.timeOffsets', `needs a time namespace; ${addNamespaceHint('time')} or remove the offsets`);
  else if (time.path !== undefined) r.issue('linux.timeOffsets', `cannot be applied when joining the time namespace at ${show(time.path)}; remove the offsets or the namespace path`);
  return offsets;
}

/** hostname/domainname: at most 64 bytes and only with a uts namespace. */
export function checkUtsName(r: SpecReader, field: 'hostname' | 'domainname', value: string | undefined, ns: NamespaceIndex): void {
  if (value === undefined || value === '') return;
  if (Buffer.byteLength(value) > 64) r.issue(field, `is ${Buffer.byteLength(value)} bytes long; the kernel allows at most 64`);
  if (!ns.has('uts')) r.issue(field, `needs a uts namespace; ${addNamespaceHint('uts')} or remove ${field}`);
}

/** IPC sysctls that live in the ipc namespace (besides fs.mqueue.*). */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** "net/ipv4/ip_forward" → "net.ipv4.ip_forward" (sysctl(8) accepts "/" as the separator). */
export function sysctlDotted(key: string): string {
  const first = key.search(/[./]/);
  if (first < 0 || key[first] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/**
 * linux.sysctl: only keys of a namespace the container has of its own. Whether a joined network
 * namespace is the host's (runc stats the path) is left to the executor.
 */
export function readSysctl(r: SpecReader, linux: Obj, ns: NamespaceIndex): Record<string, string> | undefined {
  return r.map(linux, 'sysctl', 'linux', (v, path, key) => {
    const value = r.stringValue(v, path, { required: 'use a string value' });
    const name = sysctlDotted(key);
    const need = (type: NamespaceType): boolean => {
      if (ns.has(type)) return true;
      r.issue(path, `needs ${type === 'ipc' ? 'an' : 'a'} ${type} namespace (it would change the host's value); ${addNamespaceHint(type)} or remove the sysctl`);
      return false;
    };
    let ok: boolean;
    if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) ok = need('ipc');
    else if (name.startsWith('net.')) ok = need('network');
    else if (name.startsWith('user.')) ok = need('user');
    else if (name === 'kernel.domainname') ok = need('uts');
    else if (name === 'kernel.hostname') {
      ok = false;
      if (need('uts')) r.issue(path, 'conflicts with the hostname field; set "hostname" instead');
    } else {
      ok = false;
      r.issue(path, 'is not in a namespace of the container (it would change the host); remove it');
    }
    return ok ? value : undefined;
  });
}

export function readNetDevices(r: SpecReader, linux: Obj, ns: NamespaceIndex): Record<string, { name?: string }> | undefined {
  const devices = r.map(linux, 'netDevices', 'linux', (v, path, name) => {
    if (!isInterfaceName(name)) r.issue(path, 'is not a valid network interface name (1–15 bytes, no "/", ":" or spaces, not "." or "..")');
    const o = r.object(v, path);
    if (o === undefined) return undefined;
    const newName = r.string(o, 'name', path);
    if (newName !== undefined && newName !== '' && !isInterfaceName(newName)) {
      r.issue(childPath(path, 'name'), `${show(newName)} is not a valid network interface name (1–15 bytes, no "/", ":" or spaces)`);
    }
    return compact({ name: newName });
  });
  if (devices !== undefined && Object.keys(devices).length > 0 && !ns.has('network')) {
    r.issue('linux.netDevices', `needs a network namespace to move the devices into; ${addNamespaceHint('network')}`);
  }
  return devices;
}

function isInterfaceName(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  return bytes > 0 && bytes < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}
