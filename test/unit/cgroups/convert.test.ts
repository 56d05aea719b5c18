import fc from 'fast-check';
import { blkioWeightToIoWeight, cpuMax, cpuSharesToWeight, hugepageSizeName, swapToV2 } from '../../../src/cgroups/convert';

describe('v1 → v2 conversions', () => {
  it('maps cpu.shares onto cpu.weight like runc', () => {
    expect(cpuSharesToWeight(2)).toBe(1);
    expect(cpuSharesToWeight(1024)).toBe(39);
    expect(cpuSharesToWeight(262144)).toBe(10000);
    expect(cpuSharesToWeight(0)).toBe(0);
  });
  it('keeps cpu.weight within 1..10000 and monotonic', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300000 }), fc.integer({ min: 1, max: 300000 }), (a, b) => {
      const wa = cpuSharesToWeight(a);
      expect(wa).toBeGreaterThanOrEqual(1);
      expect(wa).toBeLessThanOrEqual(10000);
      if (a <= b) expect(wa).toBeLessThanOrEqual(cpuSharesToWeight(b));
    }));
  });
  it('maps blkio.weight onto io.weight', () => {
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });
  it('turns memory+swap into swap alone', () => {
    expect(swapToV2(200n, 100n)).toBe('100');
    expect(swapToV2(100n, 100n)).toBe('0');
    expect(swapToV2(-1n, 100n)).toBe('max');
    expect(swapToV2(undefined, 100n)).toBeUndefined();
    expect(swapToV2(0n, 100n)).toBeUndefined();
    expect(() => swapToV2(50n, 100n)).toThrow(/memory\.swap.*>= .*memory\.limit/);
    expect(() => swapToV2(50n, undefined)).toThrow(/needs a memory limit/);
  });
  it('builds cpu.max', () => {
    expect(cpuMax(50000n, 100000n)).toBe('50000 100000');
    expect(cpuMax(undefined, 20000n)).toBe('max 20000');
    expect(cpuMax(-1n, undefined)).toBe('max 100000');
    expect(cpuMax(undefined, undefined)).toBeUndefined();
  });
  it('validates hugepage sizes', () => {
    expect(hugepageSizeName('2MB')).toBe('2MB');
    expect(() => hugepageSizeName('2M')).toThrow(/pageSize/);
  });
});
