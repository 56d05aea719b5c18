import { readFileSync } from 'node:fs';
it('sees cgroup2', () => {
  expect(readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8')).toMatch(/memory/);
});
