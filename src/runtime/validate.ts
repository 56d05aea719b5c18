//! config.json validation: `validateSpec(raw)` checks a parsed config against runtime-spec 1.0–1.3
//! (Linux) and returns a clean, typed Spec, or throws InvalidSpecError listing every issue with its
//! JSON path and the fix. Unknown fields are ignored and dropped; null counts as absent.
//! Host-dependent checks (kernel's cap_last_cap, whether a joined netns is the host's, cgroup v1/v2
//! specifics, what tsrun implements) are left to the planner/executor.

import { InvalidSpecError, type SpecIssue } from '../errors';
import type { Linux, Process, Spec } from './spec';
import { readHooks } from './validate-hooks';
import {
  checkUserNamespace,
  checkUtsName,
  type NamespaceIndex,
  readIdMappings,
  readNamespaces,
  readNetDevices,
  readSysctl,
  readTimeOffsets,
} from './validate-namespaces';
import { readCgroupsPath, readIntelRdt, readMemoryPolicy, readPathList, readPersonality, readRootfsPropagation } from './validate-linux';
import { checkIdmapMounts, readMounts, readRoot } from './validate-mounts';
import { readProcess } from './validate-process';
import { readDevices } from './validate-devices';
import { readResources } from './validate-resources';
import { readSeccomp } from './validate-seccomp';
import { compact, isObj, type Obj, show, SpecReader } from './validate-read';

/** The oldest and the newest runtime-spec versions tsrun reads (any 1.3.x patch is accepted). */
export const OCI_VERSION_MIN = '1.0.0';
export const OCI_VERSION_MAX = '1.3.0';

/**
 * Validate a parsed config.json (use parseSpecJson to keep 64-bit integers exact).
 * @throws InvalidSpecError with every issue found.
 */
export function validateSpec(raw: unknown): Spec {
  const r = new SpecReader();
  const spec = readSpec(r, raw);
  if (r.issues.length > 0 || spec === undefined) throw new InvalidSpecError(r.issues.length > 0 ? r.issues : [{ path: '(root)', message: 'is not a valid config' }]);
  return spec;
}

/**
 * Validate the process spec of an exec (containerd's ExecProcessRequest.spec), with paths
 * reported as "process.*".
 * @throws InvalidSpecError with every issue found.
 */
export function validateProcessSpec(raw: unknown): Process {
  const r = new SpecReader();
  const process = readProcess(r, raw, 'process');
  if (r.issues.length > 0 || process === undefined) throw new InvalidProcessSpecError(r.issues);
  return process;
}

/** InvalidSpecError for an exec's process spec: the message names the process spec, not config.json. */
export class InvalidProcessSpecError extends InvalidSpecError {
  constructor(issues: readonly SpecIssue[]) {
    super(issues);
    this.message = `exec process spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  }
}

function readSpec(r: SpecReader, raw: unknown): Spec | undefined {
  if (!isObj(raw)) return r.issue('(root)', `must be a JSON object, not ${show(raw)}`);
  const ociVersion = readOciVersion(r, raw);
  const process = readProcess(r, raw.process ?? undefined, 'process');
  const root = readRoot(r, raw);
  const hostname = r.string(raw, 'hostname', '');
  const domainname = r.string(raw, 'domainname', '');
  const mounts = readMounts(r, raw);
  const hooks = readHooks(r, raw);
  const annotations = r.stringMap(raw, 'annotations', '');
  const linuxRaw = r.objectField(raw, 'linux', '');
  const { linux, ns } = readLinux(r, linuxRaw ?? {});
  checkIdmapMounts(r, mounts, ns, linux.uidMappings, linux.gidMappings);
  checkUtsName(r, 'hostname', hostname, ns);
  checkUtsName(r, 'domainname', domainname, ns);
  return compact<Spec>({
    ociVersion: ociVersion ?? '',
    process,
    root,
    hostname,
    domainname,
    mounts,
    hooks,
    annotations,
    linux: linuxRaw === undefined ? undefined : linux,
  });
}

function readOciVersion(r: SpecReader, raw: Obj): string | undefined {
  const v = r.string(raw, 'ociVersion', '', { required: `give the runtime-spec version, e.g. "${OCI_VERSION_MAX}"` });
  if (v === undefined) return undefined;
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$/.exec(v);
  if (m === null) return r.issue('ociVersion', `${show(v)} is not a version; write it like "${OCI_VERSION_MAX}"`);
  if (Number(m[1]) !== 1 || Number(m[2]) > 3) {
    return r.issue('ociVersion', `${show(v)} is not supported; tsrun reads runtime-spec ${OCI_VERSION_MIN} to 1.3.x`);
  }
  return v;
}

function readLinux(r: SpecReader, o: Obj): { linux: Linux; ns: NamespaceIndex } {
  const { list: namespaces, index: ns } = readNamespaces(r, o, 'linux');
  const uidMappings = readIdMappings(r, o, 'uidMappings', 'linux');
  const gidMappings = readIdMappings(r, o, 'gidMappings', 'linux');
  checkUserNamespace(r, ns, uidMappings, gidMappings);
  const linux = compact<Linux>({
    namespaces,
    uidMappings,
    gidMappings,
    timeOffsets: readTimeOffsets(r, o, ns),
    devices: readDevices(r, o),
    netDevices: readNetDevices(r, o, ns),
    cgroupsPath: readCgroupsPath(r, o),
    rootfsPropagation: readRootfsPropagation(r, o),
    resources: readResources(r, o),
    sysctl: readSysctl(r, o, ns),
    seccomp: readSeccomp(r, o),
    maskedPaths: readPathList(r, o, 'maskedPaths', ns),
    readonlyPaths: readPathList(r, o, 'readonlyPaths', ns),
    mountLabel: r.string(o, 'mountLabel', 'linux'),
    personality: readPersonality(r, o),
    intelRdt: readIntelRdt(r, o),
    memoryPolicy: readMemoryPolicy(r, o),
  });
  return { linux, ns };
}
