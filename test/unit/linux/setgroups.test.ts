// When the parent must write "deny" to /proc/<pid>/setgroups before gid_map: only without
// CAP_SETGID (an unprivileged tsrun); as root the container keeps setgroups (runc's behaviour).
import { needsSetgroupsDeny } from '../../../src/linux/spawn';

const status = (capEff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

test('root with every capability writes gid_map directly', () => {
  expect(needsSetgroupsDeny(status('000001ffffffffff'))).toBe(false);
  expect(needsSetgroupsDeny(status('0000000000000040'))).toBe(false);
});

test('without CAP_SETGID (bit 6) setgroups is denied first; an unreadable status counts as unprivileged', () => {
  expect(needsSetgroupsDeny(status('0000000000000000'))).toBe(true);
  expect(needsSetgroupsDeny(status('000001ffffffffbf'))).toBe(true);
  expect(needsSetgroupsDeny('Name:\tnode\n')).toBe(true);
});
