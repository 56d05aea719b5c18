// Fuzz target for the mount-option parser: any list of options (known words, data, names that live on
// Object.prototype, junk) against an independent model of what each word means.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MS } from '../../src/runtime/linux-constants';
import { parseMountOptions, propagationFlag } from '../../src/runtime/mount-options';
import { mountOption, mountOptions, mountType } from './arbitraries';
import { type FuzzTarget, syncTarget } from './target';

const PROPAGATION: ReadonlyMap<string, number> = new Map([
  ['private', MS.PRIVATE], ['rprivate', MS.PRIVATE | MS.REC], ['shared', MS.SHARED], ['rshared', MS.SHARED | MS.REC],
  ['slave', MS.SLAVE], ['rslave', MS.SLAVE | MS.REC], ['unbindable', MS.UNBINDABLE], ['runbindable', MS.UNBINDABLE | MS.REC],
]);

/** option → [flag, clears] */
const FLAGS: ReadonlyMap<string, readonly [number, boolean]> = new Map([
  ['ro', [MS.RDONLY, false]], ['rw', [MS.RDONLY, true]], ['nosuid', [MS.NOSUID, false]], ['suid', [MS.NOSUID, true]],
  ['nodev', [MS.NODEV, false]], ['dev', [MS.NODEV, true]], ['noexec', [MS.NOEXEC, false]], ['exec', [MS.NOEXEC, true]],
  ['sync', [MS.SYNCHRONOUS, false]], ['async', [MS.SYNCHRONOUS, true]], ['dirsync', [MS.DIRSYNC, false]], ['remount', [MS.REMOUNT, false]],
  ['mand', [MS.MANDLOCK, false]], ['nomand', [MS.MANDLOCK, true]], ['noatime', [MS.NOATIME, false]], ['atime', [MS.NOATIME, true]],
  ['nodiratime', [MS.NODIRATIME, false]], ['diratime', [MS.NODIRATIME, true]], ['relatime', [MS.RELATIME, false]], ['norelatime', [MS.RELATIME, true]],
  ['strictatime', [MS.STRICTATIME, false]], ['nostrictatime', [MS.STRICTATIME, true]], ['lazytime', [MS.LAZYTIME, false]], ['nolazytime', [MS.LAZYTIME, true]],
  ['nosymfollow', [MS.NOSYMFOLLOW, false]], ['symfollow', [MS.NOSYMFOLLOW, true]], ['silent', [MS.SILENT, false]], ['loud', [MS.SILENT, true]],
]);

const UNSUPPORTED = new Set([
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime', 'rrelatime', 'rnorelatime',
  'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow', 'rsymfollow', 'copy-symlink', 'src-nofollow',
]);

const ATIME = MS.NOATIME | MS.RELATIME | MS.STRICTATIME;

/** The meaning of an option list, computed with Maps (no prototype lookups). */
function model(options: readonly string[], type: string | undefined): ReturnType<typeof parseMountOptions> {
  let flags = 0;
  let bind = type === 'bind';
  let recursive = false;
  const propagation: number[] = [];
  const data: string[] = [];
  const unsupported: string[] = [];
  let idmap: 'idmap' | 'ridmap' | undefined;
  let copyUp = false;
  for (const o of options) {
    const f = FLAGS.get(o);
    if (f !== undefined) {
      const [flag, clears] = f;
      if (clears) flags &= ~flag;
      else flags = ((flag & ATIME) !== 0 ? flags & ~ATIME : flags) | flag;
    } else if (o === 'bind') bind = true;
    else if (o === 'rbind') bind = recursive = true;
    else if (o === 'idmap' || o === 'ridmap') idmap = o;
    else if (PROPAGATION.has(o)) propagation.push(PROPAGATION.get(o)!);
    else if (o === 'tmpcopyup') copyUp = true;
    else if (UNSUPPORTED.has(o)) unsupported.push(o);
    else if (o !== '' && o !== 'defaults') data.push(o);
  }
  if (bind) flags |= MS.BIND | (recursive ? MS.REC : 0);
  return { flags, bind, recursive, propagation, data: data.join(','), ...(idmap !== undefined ? { idmap } : {}), unsupported, copyUp };
}

export const mountOptionsTarget: FuzzTarget = syncTarget('mount-options', () =>
  fc.property(fc.oneof(mountOptions, fc.constant(undefined)), mountType, mountOption(), (options, type, word) => {
    const parsed = parseMountOptions(options, type);
    assert.deepEqual(parsed, model(options ?? [], type), `options ${JSON.stringify(options)} type ${JSON.stringify(type)}`);
    assert.ok(Number.isInteger(parsed.flags) && parsed.flags >= 0, `flags ${parsed.flags}`);
    const flag = propagationFlag(word);
    assert.equal(flag, PROPAGATION.get(word), `propagationFlag(${JSON.stringify(word)})`);
  }),
);
