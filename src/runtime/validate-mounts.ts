//! Validation of config.json's `root` and `mounts` (destination absolute, options strings,
//! id-mapped mounts: both uid and gid mappings, bind mounts only).

import type { IdMapping, Mount, Root } from './spec';
import { addNamespaceHint, type NamespaceIndex, readIdMappings } from './validate-namespaces';
import { childPath, compact, isAbsolutePath, type Obj, show, SpecReader } from './validate-read';

export function readRoot(r: SpecReader, spec: Obj): Root | undefined {
  const root = r.objectField(spec, 'root', '', { required: 'give the root filesystem, e.g. {"path": "rootfs"}' });
  if (root === undefined) return undefined;
  const path = r.string(root, 'path', 'root', { required: 'give the rootfs directory, absolute or relative to the bundle, e.g. "rootfs"' });
  if (path === '') r.issue('root.path', 'must not be empty; give the rootfs directory, e.g. "rootfs"');
  else if (path !== undefined && path.includes('\0')) r.issue('root.path', 'contains a NUL byte; remove it');
  const readonly = r.boolean(root, 'readonly', 'root');
  return path === undefined || path === '' ? undefined : compact<Root>({ path, readonly });
}

export function readMounts(r: SpecReader, spec: Obj): Mount[] | undefined {
  return r.array(
    spec,
    'mounts',
    '',
    (item, path) => {
      const m = r.object(item, path);
      if (m === undefined) return undefined;
      const destination = r.string(m, 'destination', path, { required: 'give the absolute path inside the container, e.g. "/proc"' });
      if (destination !== undefined && !isAbsolutePath(destination)) {
        r.issue(childPath(path, 'destination'), `${show(destination)} is not an absolute path; start it with "/"`);
      }
      const options = r.stringArray(m, 'options', path);
      const uidMappings = readIdMappings(r, m, 'uidMappings', path);
      const gidMappings = readIdMappings(r, m, 'gidMappings', path);
      if ((uidMappings === undefined) !== (gidMappings === undefined)) {
        const missing = uidMappings === undefined ? 'uidMappings' : 'gidMappings';
        r.issue(childPath(path, missing), 'is required with the other id mapping; an id-mapped mount needs both uidMappings and gidMappings');
      }
      const type = r.string(m, 'type', path);
      const isBind = type === 'bind' || (options ?? []).some((o) => o === 'bind' || o === 'rbind');
      if (uidMappings !== undefined && !isBind) {
        r.issue(childPath(path, 'uidMappings'), 'id mappings apply only to bind mounts; add "bind" or "rbind" to options');
      }
      const idmapOption = (options ?? []).find((o) => o === 'idmap' || o === 'ridmap');
      if (idmapOption !== undefined && !isBind) {
        r.issue(childPath(path, 'options'), `"${idmapOption}" applies only to bind mounts; add "bind" or "rbind" to options or remove "${idmapOption}"`);
      }
      if (destination === undefined || !isAbsolutePath(destination)) return undefined;
      return compact<Mount>({
        destination,
        source: r.string(m, 'source', path),
        type,
        options,
        uidMappings,
        gidMappings,
      });
    },
    { what: 'an array of mount objects' },
  );
}

/** "idmap"/"ridmap" without the mount's own mappings take the container's user namespace (its
 *  mappings, or the one it joins), as runc does: without one there is no mapping to apply. */
export function checkIdmapMounts(r: SpecReader, mounts: readonly Mount[] | undefined, ns: NamespaceIndex, uid: readonly IdMapping[] | undefined, gid: readonly IdMapping[] | undefined): void {
  mounts?.forEach((m, i) => {
    const option = (m.options ?? []).find((o) => o === 'idmap' || o === 'ridmap');
    if (option === undefined || m.uidMappings !== undefined || m.gidMappings !== undefined) return;
    if (m.type !== 'bind' && !(m.options ?? []).some((o) => o === 'bind' || o === 'rbind')) return; // reported by readMounts
    const user = ns.get('user');
    if (user?.path !== undefined) return;
    if (user === undefined || uid === undefined || uid.length === 0 || gid === undefined || gid.length === 0) {
      r.issue(`mounts[${i}].options`, `"${option}" without uidMappings/gidMappings on the mount uses the container's user namespace mappings, but there are none; give the mount its own uidMappings and gidMappings or ${addNamespaceHint('user')} with linux.uidMappings/gidMappings`);
    }
  });
}
