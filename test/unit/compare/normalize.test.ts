// The side-by-side comparison's pure parts: normalization of what containers report, the probe's
// section parser, and the reconciliation of tsrun's documented mount differences.
import { reconcileMounts } from '../../integration/compare/differences';
import {
  capNames,
  formatMountShape,
  mountinfoShape,
  parseLimits,
  parseProcCgroup,
  replaceAll,
  statusFields,
} from '../../integration/compare/normalize';
import { parseSections, probeScript, shQuote } from '../../integration/compare/probe';
import { LIFECYCLE } from '../../integration/compare/cases-lifecycle';
import { NEGATIVE } from '../../integration/compare/cases-negative';
import { SEES } from '../../integration/compare/cases-sees';
import type { KnownFailure } from '../../integration/compare/known-failures';
import { type CaseGroup, checkKnownFailures, failingCases, passingCases } from '../../integration/compare/suite';

describe('replaceAll', () => {
  it('replaces longer strings first, so a path wins over the id inside it', () => {
    const reps = [
      ['c1', '<ID>'],
      ['/b/c1', '<BUNDLE>'],
    ] as const;
    expect(replaceAll('/b/c1/rootfs c1 /x/c1', reps)).toBe('<BUNDLE>/rootfs <ID> /x/<ID>');
  });
  it('ignores empty patterns', () => {
    expect(replaceAll('abc', [['', 'X']])).toBe('abc');
  });
});

describe('mountinfoShape', () => {
  const text = [
    '600 500 254:0 /tmp/b/c1/rootfs / ro,relatime master:1 - ext4 /dev/vda rw,discard',
    '601 600 0:60 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
    '602 600 0:61 / /my\\040dir rw shared:77 master:3 - tmpfs tmpfs rw,size=64k,mode=755',
  ].join('\n');

  it('keeps mount point, type, source, root and sorted options; drops ids and peer group numbers', () => {
    const shapes = mountinfoShape(text, [['/tmp/b/c1', '<BUNDLE>']]);
    expect(shapes.map(formatMountShape)).toEqual([
      '/ ext4 src=/dev/vda root=<BUNDLE>/rootfs opts=relatime,ro super=discard,rw master',
      '/proc proc src=proc root=/ opts=nodev,noexec,nosuid,relatime,rw super=rw private',
      '/my dir tmpfs src=tmpfs root=/ opts=rw super=mode=755,rw,size=64k master shared',
    ]);
  });

  it('rejects a line that is not mountinfo', () => {
    expect(() => mountinfoShape('nonsense line')).toThrow(/not a mountinfo line/);
  });
});

describe('reconcileMounts', () => {
  const shapes = (lines: string[]) => mountinfoShape(lines.join('\n'));
  it('blurs the documented differences and keeps everything else', () => {
    const runc = shapes([
      '1 0 0:1 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755',
      '2 0 0:2 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k',
      '3 0 0:3 / /proc/acpi ro,relatime - tmpfs tmpfs ro',
      '4 0 0:4 / /tmp rw - tmpfs tmpfs rw,size=1024k',
    ]);
    const tsrun = shapes([
      '1 0 0:1 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
      '5 0 0:5 /<ID> /sys/fs/cgroup/unified ro - cgroup2 cgroup2 rw',
      '6 0 0:6 /null /dev/null rw,relatime - devtmpfs devtmpfs rw,mode=755',
      '7 0 0:6 /tty /dev/tty rw,relatime - devtmpfs devtmpfs rw,mode=755',
      '2 0 0:6 /null /proc/keys rw,relatime - devtmpfs devtmpfs rw,mode=755',
      '3 0 0:3 / /proc/acpi ro,relatime - tmpfs tmpfs ro,size=0k',
      '4 0 0:4 / /tmp rw - tmpfs tmpfs rw,size=1024k',
    ]);
    expect(reconcileMounts(tsrun)).toEqual(reconcileMounts(runc));
  });
  it('does not blur a real difference', () => {
    const a = shapes(['4 0 0:4 / /tmp rw - tmpfs tmpfs rw,size=1024k']);
    const b = shapes(['4 0 0:4 / /tmp ro - tmpfs tmpfs rw,size=1024k']);
    expect(reconcileMounts(a)).not.toEqual(reconcileMounts(b));
    const c = shapes(['6 0 0:6 /null /dev/null rw - devtmpfs devtmpfs rw', '8 0 0:8 / /dev/sda rw - devtmpfs devtmpfs rw']);
    expect(reconcileMounts(c).map((m) => m.mountPoint)).toEqual(['/dev/sda']);
  });
});

describe('status, limits, cgroup and capabilities', () => {
  it('statusFields', () => {
    expect(statusFields('CapEff:\t00000000a80425fb\nNoNewPrivs:\t1\nGroups:\t10 20 \n')).toEqual({
      CapEff: '00000000a80425fb',
      NoNewPrivs: '1',
      Groups: '10 20',
    });
  });
  it('parseLimits', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      'Max open files            512                  1024                 files     ',
    ].join('\n');
    expect(parseLimits(text)).toEqual({
      'Max cpu time': { soft: 'unlimited', hard: 'unlimited' },
      'Max open files': { soft: '512', hard: '1024' },
    });
  });
  it('parseProcCgroup', () => {
    expect(parseProcCgroup('4:memory:/c1\n1:cpu,cpuacct:/c1\n0::/c1\n', [['c1', '<ID>']])).toEqual({
      memory: '/<ID>',
      'cpu,cpuacct': '/<ID>',
      '': '/<ID>',
    });
  });
  it('capNames', () => {
    expect(capNames('0000000020000420')).toEqual(['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
    expect(capNames('0000000000000000')).toEqual([]);
    expect(capNames('8000000000000000')).toEqual(['CAP_63']);
  });
});

describe('probe script and sections', () => {
  it('quotes words for sh', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });
  it('marks each section and ends with the tail', () => {
    const s = probeScript({ sections: ['pid', 'masked'], masked: ['/proc/kcore'], tail: 'exit 3' });
    expect(s).toContain("echo '@@@ pid'\necho $$");
    expect(s).toContain("for p in '/proc/kcore'; do");
    expect(s.endsWith("echo '@@@ tail'\nexit 3")).toBe(true);
  });
  it('parses sections back, keeping text before the first marker under ""', () => {
    expect(parseSections('noise\n@@@ pid\n1\n@@@ env\nA=1\nB=2\n@@@ tail\n')).toEqual({
      '': 'noise',
      pid: '1',
      env: 'A=1\nB=2',
      tail: '',
    });
  });
});

describe('known-failures partition', () => {
  const noop = async (): Promise<void> => {};
  const group: CaseGroup = { group: 'sees', title: 't', cases: [{ name: 'a', run: noop }, { name: 'b', run: noop }] };
  const known: KnownFailure[] = [{ group: 'sees', caseName: 'b', expected: 'e', actual: 'x', cause: 'c' }];

  it('every case is in exactly one of the two lists', () => {
    expect(passingCases(group, known).map((c) => c.name)).toEqual(['a']);
    expect(failingCases(group, known).map(({ c, k }) => [c.name, k.actual])).toEqual([['b', 'x']]);
  });
  it('a stale entry fails loudly', () => {
    expect(() => checkKnownFailures([group], known)).not.toThrow();
    expect(() => checkKnownFailures([group], [{ ...known[0]!, caseName: 'gone' }])).toThrow(/does not exist: sees \/ "gone"/);
  });
  it('the real list names real cases', () => {
    expect(() => checkKnownFailures([SEES, LIFECYCLE, NEGATIVE])).not.toThrow();
  });
});
