//! OCI mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755", …) → mount(2) flags,
//! propagation changes and the filesystem data string. Pure.

import { MS } from './linux-constants';

export interface ParsedMountOptions {
  /** MS_* flags for the mount itself (ro, nosuid, nodev, noexec, atime modes, bind/rbind…) */
  readonly flags: number;
  /** true for bind/rbind (or type "bind") */
  readonly bind: boolean;
  /** true for rbind */
  readonly recursive: boolean;
  /** propagation changes applied after the mount, in order (MS_PRIVATE|MS_REC, MS_SHARED…) */
  readonly propagation: readonly number[];
  /** everything mount(2) does not understand as a flag, comma-joined (mode=755,size=64k) */
  readonly data: string;
  /** "idmap" / "ridmap" (the last one given): an id-mapped bind mount, the mapping set on the top
   *  mount only or on every mount of the tree */
  readonly idmap?: 'idmap' | 'ridmap';
  /** recognised options this runtime does not implement (rro, …) */
  readonly unsupported: readonly string[];
  /** tmpcopyup (runc's extension, for tmpfs): the directory mounted over is copied into the tmpfs */
  readonly copyUp: boolean;
}

/** options that set or clear a flag; `clear` true means the option removes the flag */
const FLAG_OPTIONS: Readonly<Record<string, { readonly flag: number; readonly clear: boolean }>> = {
  ro: { flag: MS.RDONLY, clear: false },
  rw: { flag: MS.RDONLY, clear: true },
  nosuid: { flag: MS.NOSUID, clear: false },
  suid: { flag: MS.NOSUID, clear: true },
  nodev: { flag: MS.NODEV, clear: false },
  dev: { flag: MS.NODEV, clear: true },
  noexec: { flag: MS.NOEXEC, clear: false },
  exec: { flag: MS.NOEXEC, clear: true },
  sync: { flag: MS.SYNCHRONOUS, clear: false },
  async: { flag: MS.SYNCHRONOUS, clear: true },
  dirsync: { flag: MS.DIRSYNC, clear: false },
  remount: { flag: MS.REMOUNT, clear: false },
  mand: { flag: MS.MANDLOCK, clear: false },
  nomand: { flag: MS.MANDLOCK, clear: true },
  noatime: { flag: MS.NOATIME, clear: false },
  atime: { flag: MS.NOATIME, clear: true },
  nodiratime: { flag: MS.NODIRATIME, clear: false },
  diratime: { flag: MS.NODIRATIME, clear: true },
  relatime: { flag: MS.RELATIME, clear: false },
  norelatime: { flag: MS.RELATIME, clear: true },
  strictatime: { flag: MS.STRICTATIME, clear: false },
  nostrictatime: { flag: MS.STRICTATIME, clear: true },
  lazytime: { flag: MS.LAZYTIME, clear: false },
  nolazytime: { flag: MS.LAZYTIME, clear: true },
  nosymfollow: { flag: MS.NOSYMFOLLOW, clear: false },
  symfollow: { flag: MS.NOSYMFOLLOW, clear: true },
  silent: { flag: MS.SILENT, clear: false },
  loud: { flag: MS.SILENT, clear: true },
};

const PROPAGATION_OPTIONS: Readonly<Record<string, number>> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** recursive mount_setattr(2) attributes and the like: recognised, not implemented yet */
const UNSUPPORTED = new Set([
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime',
  'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow',
  'rsymfollow', 'copy-symlink', 'src-nofollow',
]);

/** `table[name]` for own keys only: "constructor", "__proto__", "toString"… are not options. */
function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The propagation flag for an OCI rootfsPropagation value, or undefined when it is not one. */
export function propagationFlag(name: string): number | undefined {
  return own(PROPAGATION_OPTIONS, name);
}

export function parseMountOptions(options: readonly string[] | undefined, type?: string): ParsedMountOptions {
  let flags = 0;
  let bind = type === 'bind';
  let recursive = false;
  const propagation: number[] = [];
  const data: string[] = [];
  const unsupported: string[] = [];
  let idmap: 'idmap' | 'ridmap' | undefined;
  let copyUp = false;
  for (const option of options ?? []) {
    const flagOption = own(FLAG_OPTIONS, option);
    const propagationOption = own(PROPAGATION_OPTIONS, option);
    if (flagOption !== undefined) {
      // the atime modes exclude each other: the last one given wins
      if (!flagOption.clear && (flagOption.flag & (MS.NOATIME | MS.RELATIME | MS.STRICTATIME)) !== 0) {
        flags &= ~(MS.NOATIME | MS.RELATIME | MS.STRICTATIME);
      }
      flags = flagOption.clear ? flags & ~flagOption.flag : flags | flagOption.flag;
    } else if (option === 'bind') {
      bind = true;
    } else if (option === 'rbind') {
      bind = true;
      recursive = true;
    } else if (option === 'idmap' || option === 'ridmap') {
      idmap = option;
    } else if (propagationOption !== undefined) {
      propagation.push(propagationOption);
    } else if (option === 'tmpcopyup') {
      copyUp = true;
    } else if (UNSUPPORTED.has(option)) {
      unsupported.push(option);
    } else if (option !== '' && option !== 'defaults') {
      data.push(option);
    }
  }
  if (bind) flags |= MS.BIND | (recursive ? MS.REC : 0);
  return { flags, bind, recursive, propagation, data: data.join(','), ...(idmap !== undefined ? { idmap } : {}), unsupported, copyUp };
}
