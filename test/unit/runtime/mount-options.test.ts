import { MS } from '../../../src/runtime/linux-constants';
import { parseMountOptions, propagationFlag } from '../../../src/runtime/mount-options';

describe('parseMountOptions', () => {
  it('maps flag options and keeps the rest as data', () => {
    const o = parseMountOptions(['nosuid', 'noexec', 'nodev', 'ro', 'mode=1777', 'size=65536k']);
    expect(o.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
    expect(o.data).toBe('mode=1777,size=65536k');
    expect(o.bind).toBe(false);
    expect(o.propagation).toEqual([]);
  });

  it('lets a later option undo an earlier one', () => {
    expect(parseMountOptions(['ro', 'rw']).flags).toBe(0);
    expect(parseMountOptions(['nosuid', 'suid', 'noexec']).flags).toBe(MS.NOEXEC);
  });

  it('keeps only the last atime mode', () => {
    expect(parseMountOptions(['noatime', 'relatime']).flags).toBe(MS.RELATIME);
    expect(parseMountOptions(['relatime', 'strictatime']).flags).toBe(MS.STRICTATIME);
    expect(parseMountOptions(['strictatime', 'nodiratime']).flags).toBe(MS.STRICTATIME | MS.NODIRATIME);
  });

  it('recognises bind and rbind, also from the type', () => {
    expect(parseMountOptions(['bind'])).toMatchObject({ bind: true, recursive: false, flags: MS.BIND });
    expect(parseMountOptions(['rbind', 'ro'])).toMatchObject({ bind: true, recursive: true, flags: MS.BIND | MS.REC | MS.RDONLY });
    expect(parseMountOptions([], 'bind')).toMatchObject({ bind: true, flags: MS.BIND });
  });

  it('collects propagation changes in order', () => {
    const o = parseMountOptions(['rbind', 'rprivate', 'shared', 'runbindable', 'slave', 'rslave', 'private', 'unbindable', 'rshared']);
    expect(o.propagation).toEqual([
      MS.PRIVATE | MS.REC, MS.SHARED, MS.UNBINDABLE | MS.REC, MS.SLAVE, MS.SLAVE | MS.REC, MS.PRIVATE, MS.UNBINDABLE, MS.SHARED | MS.REC,
    ]);
    expect(o.flags).toBe(MS.BIND | MS.REC);
  });

  it('reports recursive attributes as unsupported', () => {
    expect(parseMountOptions(['rro', 'idmap', 'nosuid']).unsupported).toEqual(['rro']);
  });

  it('takes "idmap"/"ridmap" as the id-mapping mode, the last one winning, and not as data', () => {
    expect(parseMountOptions(['rbind', 'idmap'])).toMatchObject({ idmap: 'idmap', recursive: true, data: '' });
    expect(parseMountOptions(['bind', 'idmap', 'ridmap']).idmap).toBe('ridmap');
    expect(parseMountOptions(['bind']).idmap).toBeUndefined();
  });

  it('recognises tmpcopyup (an extension of runc) as copy-up, not as mount(2) data', () => {
    expect(parseMountOptions(['nosuid', 'tmpcopyup', 'mode=1777'], 'tmpfs')).toMatchObject({ flags: MS.NOSUID, data: 'mode=1777', unsupported: [], copyUp: true });
    expect(parseMountOptions(['nosuid'], 'tmpfs').copyUp).toBe(false);
  });

  it('ignores "defaults" and empty options', () => {
    expect(parseMountOptions(['defaults', ''])).toMatchObject({ flags: 0, data: '' });
  });

  it('maps every documented flag option', () => {
    const pairs: [string, number][] = [
      ['sync', MS.SYNCHRONOUS], ['dirsync', MS.DIRSYNC], ['remount', MS.REMOUNT], ['mand', MS.MANDLOCK],
      ['lazytime', MS.LAZYTIME], ['nosymfollow', MS.NOSYMFOLLOW], ['silent', MS.SILENT], ['noatime', MS.NOATIME],
    ];
    for (const [opt, flag] of pairs) expect(parseMountOptions([opt]).flags).toBe(flag);
    for (const clear of ['async', 'nomand', 'nolazytime', 'symfollow', 'loud', 'atime', 'diratime', 'dev', 'exec', 'suid']) {
      expect(parseMountOptions([clear]).flags).toBe(0);
    }
  });

  it('propagationFlag knows the rootfsPropagation values', () => {
    expect(propagationFlag('rslave')).toBe(MS.SLAVE | MS.REC);
    expect(propagationFlag('private')).toBe(MS.PRIVATE);
    expect(propagationFlag('bogus')).toBeUndefined();
  });

  // Found by the fuzzer (test/fuzz/mount-options.ts): the option tables were plain object literals,
  // so names inherited from Object.prototype were looked up there. propagationFlag('constructor')
  // returned the Object function, and parseMountOptions silently dropped "__proto__", "toString"…
  // instead of passing them to mount(2) as data.
  it('does not take names from Object.prototype for options', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(propagationFlag(name)).toBeUndefined();
      expect(parseMountOptions(['nosuid', name])).toEqual({ flags: MS.NOSUID, bind: false, recursive: false, propagation: [], data: name, unsupported: [], copyUp: false });
    }
  });
});
