import { CAP_LAST_KNOWN, capabilitiesBeyond, capabilityMask, capabilityName, capabilityNumber, KNOWN_CAPABILITIES, suggestCapability } from '../../../src/runtime/capabilities';
import { KNOWN_RLIMITS, RLIM_INFINITY, rlimitName, rlimitNumber } from '../../../src/runtime/rlimits';
import { fixture } from './helpers';

describe('capabilities', () => {
  test.each([
    ['CAP_CHOWN', 0],
    ['CAP_KILL', 5],
    ['CAP_NET_ADMIN', 12],
    ['CAP_SYS_ADMIN', 21],
    ['CAP_AUDIT_READ', 37],
    ['CAP_PERFMON', 38],
    ['CAP_BPF', 39],
    ['CAP_CHECKPOINT_RESTORE', 40],
  ])('%s = %d', (name, n) => {
    expect(capabilityNumber(name)).toBe(n);
    expect(capabilityName(n)).toBe(name);
  });

  test('the same list, in the same order, as runc features prints', () => {
    const runc = fixture('runc-features.json') as { linux: { capabilities: string[] } };
    expect(KNOWN_CAPABILITIES).toEqual(runc.linux.capabilities);
    expect(CAP_LAST_KNOWN).toBe(40);
  });

  test('unknown names and numbers', () => {
    expect(capabilityNumber('CAP_FOO')).toBeUndefined();
    expect(capabilityNumber('cap_kill')).toBeUndefined();
    expect(capabilityName(41)).toBeUndefined();
  });

  test('mask', () => {
    expect(capabilityMask([])).toBe(0n);
    expect(capabilityMask(['CAP_CHOWN', 'CAP_KILL'])).toBe(0b100001n);
    expect(capabilityMask(['CAP_CHECKPOINT_RESTORE'])).toBe(1n << 40n);
    expect(() => capabilityMask(['CAP_FOO'])).toThrow(RangeError);
  });

  test('capabilities beyond an older kernel', () => {
    expect(capabilitiesBeyond(['CAP_KILL', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'], 37)).toEqual(['CAP_BPF', 'CAP_CHECKPOINT_RESTORE']);
    expect(capabilitiesBeyond(['CAP_KILL'], 40)).toEqual([]);
  });

  test('suggestions', () => {
    expect(suggestCapability('sys_admin')).toBe('CAP_SYS_ADMIN');
    expect(suggestCapability('cap_kill')).toBe('CAP_KILL');
    expect(suggestCapability('FOO')).toBeUndefined();
  });
});

describe('rlimits', () => {
  test.each([
    ['RLIMIT_CPU', 0],
    ['RLIMIT_CORE', 4],
    ['RLIMIT_NPROC', 6],
    ['RLIMIT_NOFILE', 7],
    ['RLIMIT_MEMLOCK', 8],
    ['RLIMIT_AS', 9],
    ['RLIMIT_RTTIME', 15],
  ])('%s = %d', (name, n) => {
    expect(rlimitNumber(name)).toBe(n);
    expect(rlimitName(n)).toBe(name);
  });
  test('sixteen limits, RLIM_INFINITY all ones', () => {
    expect(KNOWN_RLIMITS).toHaveLength(16);
    expect(rlimitNumber('RLIMIT_FOO')).toBeUndefined();
    expect(RLIM_INFINITY).toBe(2n ** 64n - 1n);
  });
});
