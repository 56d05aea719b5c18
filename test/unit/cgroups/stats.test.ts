import { parseBlkio, parseIoStat, parseRdma } from '../../../src/cgroups/stats';
import { parseFlatKeyed, parsePids, parseU64, U64_MAX } from '../../../src/cgroups/files';

describe('stat file parsers', () => {
  it('parses flat keyed files into bigints', () => {
    const m = parseFlatKeyed('cache 4096\nrss 18446744073709551615\nbogus x\n\n');
    expect(m.get('cache')).toBe(4096n);
    expect(m.get('rss')).toBe(U64_MAX);
    expect(m.has('bogus')).toBe(false);
  });
  it('parses single values', () => {
    expect(parseU64('max\n')).toBe(U64_MAX);
    expect(parseU64('max', 0n)).toBe(0n);
    expect(parseU64('12\n')).toBe(12n);
    expect(parseU64(undefined)).toBe(0n);
  });
  it('parses io.stat', () => {
    expect(parseIoStat('8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n')).toEqual([
      { major: 8n, minor: 0n, rbytes: 1n, wbytes: 2n, rios: 3n, wios: 4n },
    ]);
  });
  it('parses v1 blkio lines and drops totals', () => {
    expect(parseBlkio('8:0 Read 10\n8:0 Write 5\nTotal 15\n', () => 'sda')).toEqual([
      { op: 'Read', device: 'sda', major: 8n, minor: 0n, value: 10n },
      { op: 'Write', device: 'sda', major: 8n, minor: 0n, value: 5n },
    ]);
  });
  it('parses rdma and pids', () => {
    expect(parseRdma('mlx4_0 hca_handle=2 hca_object=max\n')).toEqual([{ device: 'mlx4_0', hcaHandles: 2, hcaObjects: 0xffffffff }]);
    expect(parsePids('12\n34\n\n')).toEqual([12, 34]);
  });
});
