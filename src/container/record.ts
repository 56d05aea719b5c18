//! The persisted container record (`<root>/<id>/state.json`): what a later CLI invocation needs to
//! find, observe and tear down a container it did not create.

import { parseSpecJson, stringifySpecJson } from '../runtime/json';
import type { Spec } from '../runtime/spec';
import { validateSpec } from '../runtime/validate';
import type { StartMode } from './types';

export const RECORD_VERSION = 1;

export interface ContainerRecord {
  readonly version: number;
  readonly id: string;
  /** Absolute bundle path. */
  readonly bundle: string;
  /** Absolute rootfs path. */
  readonly rootfs: string;
  /** Host pid of init; 0 before the process exists. */
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat at creation: tells a reused pid from ours. */
  readonly pidStartTime: string;
  /** RFC 3339 creation time. */
  readonly created: string;
  readonly owner: string;
  readonly startMode: StartMode;
  /** Path of the exec FIFO while the container waits in `created` (fifo mode). */
  readonly fifo?: string;
  /** True once start() released the barrier. */
  readonly started: boolean;
  /** True between pause() and resume(). */
  readonly paused?: boolean;
  /** Cgroup path relative to each hierarchy root (what openCgroup was given). */
  readonly cgroupPath?: string;
  /** For a relative cgroupPath: the creator's own cgroup per hierarchy it is below (key "" = cgroup2). */
  readonly cgroupBase?: Readonly<Record<string, string>>;
  /** Whether the systemd-style cgroupsPath syntax was used. */
  readonly systemdCgroup: boolean;
  /** The validated spec the container was created from (hooks, annotations, namespaces). */
  readonly spec: Spec;
}

/** Parse and sanity-check a state.json's contents; throws Error naming the bad field. */
export function parseRecord(text: string, where: string): ContainerRecord {
  let raw: unknown;
  try {
    raw = parseSpecJson(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  const need = (key: string, type: string): void => {
    if (typeof r[key] !== type) throw new Error(`${where}: field "${key}" must be a ${type}`);
  };
  need('version', 'number');
  if (r.version !== RECORD_VERSION) throw new Error(`${where}: unsupported record version ${String(r.version)}`);
  need('id', 'string');
  need('bundle', 'string');
  need('rootfs', 'string');
  need('pid', 'number');
  need('pidStartTime', 'string');
  need('created', 'string');
  need('owner', 'string');
  need('started', 'boolean');
  need('systemdCgroup', 'boolean');
  need('spec', 'object');
  if (r.cgroupBase !== undefined) {
    const base = r.cgroupBase;
    if (typeof base !== 'object' || base === null || Object.values(base).some((v) => typeof v !== 'string')) {
      throw new Error(`${where}: field "cgroupBase" must be an object of strings`);
    }
  }
  if (r.startMode !== 'fifo' && r.startMode !== 'pipe') throw new Error(`${where}: field "startMode" must be "fifo" or "pipe"`);
  // 64-bit spec fields are bigint in memory and plain integers on disk: validation restores the types.
  return { ...(raw as ContainerRecord), spec: validateSpec(r.spec) };
}

/** Serialize a record (bigint-exact). */
export function stringifyRecord(record: ContainerRecord): string {
  return stringifySpecJson(record);
}
