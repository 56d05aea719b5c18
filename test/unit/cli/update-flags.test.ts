import { parseMemorySize, resourcesFromFlags } from '../../../src/cli/update-flags';
import { parseCommandLine } from '../../../src/cli/args';
import { parseDuration } from '../../../src/cli/events';

describe('tsrun update flags', () => {
  it('reads memory sizes like runc (RAMInBytes: binary units, -1 unlimited)', () => {
    expect(parseMemorySize('memory', '1048576')).toBe(1048576n);
    expect(parseMemorySize('memory', '64m')).toBe(64n << 20n);
    expect(parseMemorySize('memory', '64MiB')).toBe(64n << 20n);
    expect(parseMemorySize('memory', '1.5g')).toBe(3n << 29n);
    expect(parseMemorySize('memory', '512K')).toBe(512n << 10n);
    expect(parseMemorySize('memory', '-1')).toBe(-1n);
    expect(() => parseMemorySize('memory', '12zz')).toThrow('--memory: invalid size "12zz"');
    expect(() => parseMemorySize('memory', '-5')).toThrow('--memory: invalid size');
  });

  it('builds a LinuxResources patch from the flags given, nothing else', () => {
    const cmd = parseCommandLine([
      'update', '--memory', '64m', '--memory-swap=-1', '--cpu-share', '512', '--cpu-quota', '-1', '--cpu-period', '100000',
      '--cpuset-cpus', '0', '--pids-limit', '50', '--blkio-weight', '300', 'c1',
    ]);
    expect(cmd.args).toEqual(['c1']);
    expect(resourcesFromFlags(cmd.flags)).toEqual({
      memory: { limit: 64n << 20n, swap: -1n },
      cpu: { shares: 512n, quota: -1n, period: 100000n, cpus: '0' },
      blockIO: { weight: 300 },
      pids: { limit: 50n },
    });
    expect(resourcesFromFlags(parseCommandLine(['update', 'c1']).flags)).toEqual({});
    expect(resourcesFromFlags(parseCommandLine(['update', '--cpu-shares', '2', 'c1']).flags)).toEqual({ cpu: { shares: 2n } });
    expect(parseCommandLine(['update', '-r', '-', 'c1']).flags.resources).toBe('-');
  });

  it('rejects nonsense values with the flag named', () => {
    const bad = (argv: string[]) => () => resourcesFromFlags(parseCommandLine(['update', ...argv, 'c1']).flags);
    expect(bad(['--cpu-share', 'lots'])).toThrow('--cpu-share: invalid value "lots"');
    expect(bad(['--cpu-period', '-5'])).toThrow('--cpu-period: invalid value "-5"');
    expect(bad(['--blkio-weight', '5000'])).toThrow('--blkio-weight: 5000 is out of range');
    expect(bad(['--pids-limit', '1e3'])).toThrow('--pids-limit: invalid value');
    expect(bad(['--l3-cache-schema', 'L3:0=f'])).toThrow('Intel RDT');
  });

  it('reads --interval as a Go duration', () => {
    expect(parseDuration('interval', '5s')).toBe(5000);
    expect(parseDuration('interval', '250ms')).toBe(250);
    expect(parseDuration('interval', '1m30s')).toBe(90_000);
    expect(() => parseDuration('interval', '5')).toThrow('--interval: invalid duration "5"');
    expect(() => parseDuration('interval', '0s')).toThrow('--interval');
  });
});
