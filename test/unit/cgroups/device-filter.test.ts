import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BPF_DEVCG_ACC_MKNOD as M, BPF_DEVCG_ACC_READ as R, BPF_DEVCG_ACC_WRITE as W, BPF_DEVCG_DEV_BLOCK as B, BPF_DEVCG_DEV_CHAR as C,
  deviceFilterInsns, deviceFilterProgram, effectiveRules, withRuncDefaultDeviceRules,
} from '../../../src/cgroups/device-filter';
import { encode } from '../../../src/cgroups/ebpf';
import type { DeviceCgroupRule } from '../../../src/runtime/spec';
import { runDeviceFilter } from '../../helpers/ebpf-interp';

const spec = JSON.parse(readFileSync(join(__dirname, '../runtime/fixtures/containerd-1.6-ctr-run.json'), 'utf8')) as {
  linux: { resources: { devices: DeviceCgroupRule[] } };
};
const containerdDefault = spec.linux.resources.devices;

/** allowed? for (type, major, minor, access) */
function allows(rules: DeviceCgroupRule[], type: number, major: number, minor: number, access: number): boolean {
  return runDeviceFilter(deviceFilterProgram(rules), { type, major, minor, access }) === 1;
}
const hex = (rules: DeviceCgroupRule[]) => deviceFilterProgram(rules).toString('hex').match(/.{16}/g) ?? [];

const PROLOGUE = [
  '6112000000000000', // r2 = *(u32 *)(r1 + 0)    access_type
  '54020000ffff0000', // w2 &= 0xffff             → device type
  '6113000000000000', // r3 = *(u32 *)(r1 + 0)
  '7403000010000000', // w3 >>= 16                → access
  '6114040000000000', // r4 = *(u32 *)(r1 + 4)    major
  '6115080000000000', // r5 = *(u32 *)(r1 + 8)    minor
];

describe('device filter program', () => {
  it('deny-all alone is "r0 = 0; exit"; allow-all alone is "r0 = 1; exit"', () => {
    expect(hex([{ allow: false, access: 'rwm' }])).toEqual(['b700000000000000', '9500000000000000']);
    expect(hex([{ allow: true }])).toEqual(['b700000001000000', '9500000000000000']);
    // everything before the last match-all rule is shadowed
    expect(hex([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false, type: 'a', access: 'rwm' }])).toEqual(['b700000000000000', '9500000000000000']);
  });

  it('checks type, access subset, major and minor of one rule, then falls through to the default', () => {
    expect(hex([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }])).toEqual([
      ...PROLOGUE,
      '5502070002000000', // if r2 != 2 (char) goto next (+7)
      'bc31000000000000', // w1 = w3
      '5401000006000000', // w1 &= r|w
      '5d31040000000000', // if r1 != r3 goto next: asked for more than r|w
      '5504030001000000', // if r4 != 1 goto next
      '5505020003000000', // if r5 != 3 goto next
      'b700000001000000', // r0 = 1 (allow)
      '9500000000000000', // exit
      'b700000000000000', // next: r0 = 0 (default: the leading deny-all)
      '9500000000000000',
    ]);
  });

  it('leaves out checks of wildcards: type a, major/minor absent or -1, access rwm', () => {
    const insns = deviceFilterInsns([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }]);
    expect(encode(insns.slice(6)).toString('hex').match(/.{16}/g)).toEqual([
      '5502030002000000', // if r2 != char goto next
      '5504020088000000', // if r4 != 136 goto next
      'b700000001000000',
      '9500000000000000',
      'b700000000000000',
      '9500000000000000',
    ]);
    expect(hex([{ allow: false, type: 'a', access: 'm' }]).slice(6, 10)).toEqual(['bc31000000000000', '5401000001000000', '5d31020000000000', 'b700000000000000']);
  });

  it("enforces containerd's default device list", () => {
    expect(effectiveRules(containerdDefault)).toMatchObject({ defaultAllow: false });
    expect(effectiveRules(containerdDefault).checks).toHaveLength(containerdDefault.length - 1);
    for (const [maj, min] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [136, 0], [136, 77]] as const) {
      expect(allows(containerdDefault, C, maj, min, R | W)).toBe(true);
      expect(allows(containerdDefault, C, maj, min, M)).toBe(true);
    }
    expect(allows(containerdDefault, B, 8, 0, R)).toBe(false); // /dev/sda
    expect(allows(containerdDefault, B, 1, 3, R)).toBe(false); // right numbers, wrong type
    expect(allows(containerdDefault, C, 10, 200, R | W)).toBe(false); // /dev/net/tun is not in this list
    expect(allows(containerdDefault, C, 1, 1, R)).toBe(false); // /dev/mem
    expect(allows(containerdDefault, C, 4, 1, W)).toBe(false);
  });

  it('lets the last matching rule win, with access as a subset check', () => {
    const rules: DeviceCgroupRule[] = [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'b', access: 'm' }, // mknod of any block device
      { allow: true, type: 'c', major: 1, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 1, access: 'w' }, // but never write /dev/mem
      { allow: true, type: 'b', major: 7, minor: -1, access: 'r' },
    ];
    expect(allows(rules, B, 8, 0, M)).toBe(true);
    expect(allows(rules, B, 8, 0, R)).toBe(false);
    expect(allows(rules, B, 8, 0, R | M)).toBe(false); // a request must fit inside one rule
    expect(allows(rules, B, 7, 3, R)).toBe(true);
    expect(allows(rules, B, 7, 3, W)).toBe(false);
    expect(allows(rules, C, 1, 3, R | W)).toBe(true);
    expect(allows(rules, C, 1, 1, R)).toBe(true);
    expect(allows(rules, C, 1, 1, W)).toBe(false);
    expect(allows(rules, C, 1, 1, R | W)).toBe(true); // "w" does not cover r|w, so the earlier allow decides
    expect(allows(rules, C, 2, 0, R)).toBe(false);
  });

  it('allows what no rule denies when the list does not start with deny-all (as on v1)', () => {
    const rules: DeviceCgroupRule[] = [{ allow: false, type: 'b', major: 8, access: 'rw' }];
    expect(effectiveRules(rules).defaultAllow).toBe(true);
    expect(allows(rules, B, 8, 0, R)).toBe(false);
    expect(allows(rules, B, 8, 0, M)).toBe(true);
    expect(allows(rules, C, 1, 3, R | W)).toBe(true);
  });

  it('refuses bad rules naming the entry and field', () => {
    expect(() => deviceFilterProgram([{ allow: true, type: 'x' as 'a' }])).toThrow(/devices\[0\]\.type: "x"/);
    expect(() => deviceFilterProgram([{ allow: true }, { allow: true, access: 'rx' }])).toThrow(/devices\[1\]\.access: "rx"/);
    expect(() => deviceFilterProgram([{ allow: true, access: '' }])).toThrow(/devices\[0\]\.access/);
    expect(() => deviceFilterProgram([{ allow: true, type: 'c', major: 4096 }])).toThrow(/devices\[0\]\.major: 4096/);
    expect(() => deviceFilterProgram([{ allow: true, type: 'b', minor: -2 }])).toThrow(/devices\[0\]\.minor: -2/);
    expect(() => deviceFilterProgram([{ allow: true, type: 'b', minor: 1.5 }])).toThrow(/devices\[0\]\.minor/);
  });

  it("adds runc's rules: deny all first, the config's rules, then runc's defaults last", () => {
    const none = withRuncDefaultDeviceRules(undefined);
    expect(allows(none, C, 1, 3, R | W)).toBe(true);
    expect(allows(none, C, 10, 200, R | W)).toBe(true); // /dev/net/tun
    expect(allows(none, C, 136, 4, R | W)).toBe(true); // /dev/pts/4
    expect(allows(none, B, 8, 0, M)).toBe(true); // mknod of anything
    expect(allows(none, B, 8, 0, R)).toBe(false);
    expect(allows(none, C, 1, 1, R)).toBe(false);
    // the defaults come last, so the config cannot take them away; an allow-all config allows all
    expect(allows(withRuncDefaultDeviceRules([{ allow: false, type: 'c', major: 1, minor: 3 }]), C, 1, 3, R)).toBe(true);
    expect(allows(withRuncDefaultDeviceRules([{ allow: true, access: 'rwm' }]), B, 8, 0, R | W)).toBe(true);
    expect(allows(withRuncDefaultDeviceRules(containerdDefault), C, 10, 200, R)).toBe(true);
    expect(allows(withRuncDefaultDeviceRules(containerdDefault), B, 8, 0, R)).toBe(false);
  });
});
