//! linux.cgroupsPath → a cgroup path inside the hierarchy (pure).
//!
//! Two forms, as containerd passes them:
//! - cgroupfs: "/k8s.io/abc" (absolute in the hierarchy) or "a/b" (relative to the runtime's own cgroup);
//! - systemd: "slice:prefix:name" (e.g. "kubepods-besteffort-pod123.slice:cri-containerd:abc"),
//!   only with the systemd driver; with `systemd: false` that string is one relative cgroup name
//!   (runc's cgroupfs driver: `<own cgroup>/kubepods-besteffort-pod123.slice:cri-containerd:abc`).
//!
//! tsrun does not talk to systemd over D-Bus. The systemd form is mapped to the directories systemd
//! would use (slices nest by their dash-separated prefixes, the unit is "prefix-name.scope") and the
//! cgroup is then managed with plain file writes, like the cgroupfs driver. systemd does not know these
//! units; on a host where systemd owns the tree, it leaves cgroups it did not create alone
//! (Delegate= covers the subtree containerd's slice lives in).

import { InvalidArgumentError } from '../errors';

export interface CgroupPath {
  /** Normalized path: absolute ("/a/b") or, when `relative`, relative to the runtime's own cgroup ("a/b"). */
  readonly path: string;
  readonly relative: boolean;
  /** Set when the input was the systemd "slice:prefix:name" form: the unit name ("cri-containerd-abc.scope"). */
  readonly systemdUnit?: string;
}

export interface ParseCgroupsPathOptions {
  /**
   * true: the path must be "slice:prefix:name"; false: cgroupfs form only; undefined (default): the
   * systemd form is recognized when the path has exactly two ':' and no '/'.
   */
  readonly systemd?: boolean;
  /** Parent slice used when the systemd form's slice is empty (default "system.slice"). */
  readonly defaultSlice?: string;
  /** Scope prefix used for an empty cgroupsPath in systemd form (default "tsrun"). */
  readonly defaultPrefix?: string;
}

const FIELD = 'linux.cgroupsPath';

/**
 * "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" (the root slice) → "".
 * Throws InvalidArgumentError for names systemd would reject.
 */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice')) {
    throw new InvalidArgumentError(`${FIELD}: slice "${slice}" must end in ".slice"`);
  }
  if (slice.includes('/')) throw new InvalidArgumentError(`${FIELD}: slice "${slice}" must not contain "/"`);
  const name = slice.slice(0, -'.slice'.length);
  if (name === '-') return '';
  if (name === '' || name.startsWith('-') || name.endsWith('-') || name.includes('--')) {
    throw new InvalidArgumentError(
      `${FIELD}: slice "${slice}" is not a valid systemd slice name (no empty parts between dashes)`,
    );
  }
  let out = '';
  let prefix = '';
  for (const part of name.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    out += `/${prefix}.slice`;
  }
  return out;
}

function checkComponents(path: string): void {
  for (const part of path.split('/')) {
    if (part === '..' || part === '.') {
      throw new InvalidArgumentError(`${FIELD}: "${path}" must not contain "." or ".." components`);
    }
  }
  if (path.includes('\0')) throw new InvalidArgumentError(`${FIELD}: must not contain NUL bytes`);
}

function normalize(path: string): string {
  return path.split('/').filter((p) => p !== '').join('/');
}

function looksSystemd(path: string): boolean {
  return !path.includes('/') && path.split(':').length === 3;
}

/**
 * Turn a config.json cgroupsPath (possibly empty) into a cgroup path. An empty path is, as with
 * runc, the container id relative to the runtime's own cgroup (cgroupfs: "<id>", which v1 puts
 * below the own cgroup of each hierarchy and cgroup2 below the own cgroup's parent) or
 * "system.slice:tsrun:<id>" (systemd).
 */
export function parseCgroupsPath(cgroupsPath: string | undefined, id: string, options: ParseCgroupsPathOptions = {}): CgroupPath {
  const raw = cgroupsPath ?? '';
  const systemd = options.systemd ?? looksSystemd(raw);
  if (!systemd) {
    if (raw === '') {
      if (id === '' || id.includes('/')) throw new InvalidArgumentError(`${FIELD}: empty, and the container id "${id}" cannot name a cgroup; set ${FIELD}`);
      checkComponents(id);
      return { path: normalize(id), relative: true };
    }
    checkComponents(raw);
    // With the systemd driver off, a "slice:prefix:name" string is just a relative cgroup name
    // below the runtime's own cgroup, as runc's cgroupfs driver takes it (containerd's CRI sends
    // that form for a pod parent ending in ".slice" whatever the driver).
    const norm = normalize(raw);
    return raw.startsWith('/') ? { path: `/${norm}`, relative: false } : { path: norm, relative: true };
  }
  const parts = raw === '' ? ['', options.defaultPrefix ?? 'tsrun', id] : raw.split(':');
  if (parts.length !== 3) {
    throw new InvalidArgumentError(
      `${FIELD}: "${raw}" must have the systemd form "slice:prefix:name" (e.g. "system.slice:tsrun:${id}")`,
    );
  }
  const [sliceRaw, prefix, nameRaw] = parts as [string, string, string];
  const name = nameRaw === '' ? id : nameRaw;
  for (const [what, v] of [['prefix', prefix], ['name', name]] as const) {
    if (v.includes('/')) throw new InvalidArgumentError(`${FIELD}: systemd ${what} "${v}" must not contain "/"`);
  }
  const slice = expandSlice(sliceRaw === '' ? (options.defaultSlice ?? 'system.slice') : sliceRaw);
  // A name that is itself a slice is used as is (nested under the parent slice); otherwise a scope.
  const unit = name.endsWith('.slice') ? name : prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  checkComponents(unit);
  return { path: `${slice}/${unit}`, relative: false, systemdUnit: unit };
}
