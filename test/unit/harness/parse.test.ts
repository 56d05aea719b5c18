// Pure parts of the test harness: TSRUN_CONTAINERD, start.sh's env file, mountinfo, /proc stat.
import { parseEnvFile, selectedVersions } from '../../helpers/env';
import { descendants, parseMountinfo, parseStat, ProcessEntry, unescapeMountField } from '../../helpers/leaks';

describe('selectedVersions', () => {
  it.each([
    [undefined, ['1.6', '1.7']],
    ['', ['1.6', '1.7']],
    ['both', ['1.6', '1.7']],
    ['1.6', ['1.6']],
    [' 1.7 ', ['1.7']],
  ])('%p selects %p', (value, want) => {
    expect(selectedVersions(value)).toEqual(want);
  });

  it('names the variable and the accepted values on a bad one', () => {
    expect(() => selectedVersions('2.0')).toThrow("TSRUN_CONTAINERD must be 1.6, 1.7 or both, not '2.0'");
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines and ignores the rest', () => {
    expect(parseEnvFile('CONTAINERD_PID=42\nCTR=/usr/bin/ctr\n# comment\nCONTAINERD_PATH=/a:/b=c\n')).toEqual({
      CONTAINERD_PID: '42',
      CTR: '/usr/bin/ctr',
      CONTAINERD_PATH: '/a:/b=c',
    });
  });
});

describe('parseMountinfo', () => {
  const text = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:5 master:1 - cgroup cgroup rw,memory',
    '90 27 0:50 / /tmp/a\\040b/c rw - tmpfs my\\011src rw',
    '',
  ].join('\n');

  it('reads ids, mount points, filesystem types and sources, with optional fields', () => {
    expect(parseMountinfo(text)).toEqual([
      { mountId: 27, parentId: 1, mountPoint: '/', fsType: 'ext4', source: '/dev/vda' },
      { mountId: 35, parentId: 31, mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', source: 'cgroup' },
      { mountId: 90, parentId: 27, mountPoint: '/tmp/a b/c', fsType: 'tmpfs', source: 'my\tsrc' },
    ]);
  });

  it('undoes octal escapes', () => {
    expect(unescapeMountField('a\\134b\\012c')).toBe('a\\b\nc');
  });
});

describe('parseStat', () => {
  it('reads ppid and start time even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[1] = '7'; // ppid, field 4
    fields[19] = '123456'; // starttime, field 22
    expect(parseStat(`4242 (a (b) c) ${fields.join(' ')}`)).toEqual({ pid: 4242, ppid: 7, startTime: '123456' });
  });

  it('returns undefined for garbage', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('12 (x) S')).toBeUndefined();
  });
});

describe('descendants', () => {
  const p = (pid: number, ppid: number): ProcessEntry => ({ pid, ppid, startTime: '1', cmdline: `p${pid}` });

  it('walks the whole subtree and nothing else', () => {
    const procs = [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(13, 10), p(20, 1)];
    expect(descendants(procs, 10).map((x) => x.pid).sort()).toEqual([11, 12, 13]);
    expect(descendants(procs, 12)).toEqual([]);
  });
});
