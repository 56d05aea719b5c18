import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeLegacyDefaultParent } from '../../../src/container/container';
import { InvalidArgumentError } from '../../../src/errors';
import { expandSlice, parseCgroupsPath } from '../../../src/cgroups/path';

describe('expandSlice', () => {
  it('nests a slice under its dash-separated parents', () => {
    expect(expandSlice('kubepods-besteffort-pod123.slice')).toBe(
      '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod123.slice',
    );
    expect(expandSlice('system.slice')).toBe('/system.slice');
    expect(expandSlice('-.slice')).toBe('');
  });
  it.each(['foo', 'a--b.slice', '-a.slice', 'a-.slice', 'a/b.slice', '.slice'])('rejects %s', (s) => {
    expect(() => expandSlice(s)).toThrow(InvalidArgumentError);
  });
});

describe('parseCgroupsPath', () => {
  it('maps containerd\'s systemd form to slice directories and a scope', () => {
    expect(parseCgroupsPath('kubepods-besteffort-pod123.slice:cri-containerd:abc', 'abc', { systemd: true })).toEqual({
      path: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod123.slice/cri-containerd-abc.scope',
      relative: false,
      systemdUnit: 'cri-containerd-abc.scope',
    });
  });
  it('recognizes the systemd form without the option, and fills defaults', () => {
    expect(parseCgroupsPath('system.slice:docker:x', 'x').path).toBe('/system.slice/docker-x.scope');
    expect(parseCgroupsPath(':tsrun:', 'id1', { systemd: true }).path).toBe('/system.slice/tsrun-id1.scope');
    expect(parseCgroupsPath('', 'id1', { systemd: true }).path).toBe('/system.slice/tsrun-id1.scope');
    expect(parseCgroupsPath('user.slice::c', 'c', { systemd: true }).path).toBe('/user.slice/c.scope');
    expect(parseCgroupsPath('a.slice:p:b-c.slice', 'x', { systemd: true }).path).toBe('/a.slice/b-c.slice');
  });
  it('keeps cgroupfs paths, normalizing slashes', () => {
    expect(parseCgroupsPath('/k8s.io//abc/', 'abc')).toEqual({ path: '/k8s.io/abc', relative: false });
    expect(parseCgroupsPath('mine/abc', 'abc')).toEqual({ path: 'mine/abc', relative: true });
    // empty: the id below the runtime's own cgroup, as runc does (no /tsrun parent left behind)
    expect(parseCgroupsPath(undefined, 'abc')).toEqual({ path: 'abc', relative: true });
    expect(parseCgroupsPath('', 'abc', { systemd: false })).toEqual({ path: 'abc', relative: true });
    expect(() => parseCgroupsPath('', '', { systemd: false })).toThrow(/linux\.cgroupsPath: empty/);
  });
  it('takes the systemd form as one relative cgroup name when the systemd driver is off (like runc\'s cgroupfs driver)', () => {
    expect(parseCgroupsPath('kubepods-besteffort-pod1.slice:cri-containerd:abc', 'abc', { systemd: false })).toEqual({
      path: 'kubepods-besteffort-pod1.slice:cri-containerd:abc',
      relative: true,
    });
    expect(parseCgroupsPath('a.slice:b:c', 'x', { systemd: false })).toEqual({ path: 'a.slice:b:c', relative: true });
  });
  it('rejects bad input with the field name', () => {
    expect(() => parseCgroupsPath('/a/../b', 'x')).toThrow(/linux\.cgroupsPath.*"\.\."/);
    expect(() => parseCgroupsPath('a:b', 'x', { systemd: true })).toThrow(/slice:prefix:name/);
    expect(() => parseCgroupsPath('notaslice:b:c', 'x', { systemd: true })).toThrow(InvalidArgumentError);
  });
});

describe('removeLegacyDefaultParent (containers from before: /tsrun/<id>)', () => {
  it('removes an empty tsrun parent of each hierarchy dir, keeps one that still holds a container, ignores other paths', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-legacy-'));
    try {
      for (const d of ['memory/tsrun', 'pids/tsrun/other', 'cpu/tsrun', 'mine/kept']) fs.mkdirSync(path.join(root, d), { recursive: true });
      removeLegacyDefaultParent('/tsrun/c1', ['memory', 'pids', 'cpu'].map((h) => path.join(root, h, 'tsrun', 'c1')));
      expect(['memory/tsrun', 'pids/tsrun', 'cpu/tsrun'].map((d) => fs.existsSync(path.join(root, d)))).toEqual([false, true, false]);
      removeLegacyDefaultParent('/mine/c1', [path.join(root, 'mine', 'kept', 'c1')]);
      removeLegacyDefaultParent('c1', [path.join(root, 'mine', 'kept', 'c1')]);
      expect(fs.existsSync(path.join(root, 'mine/kept'))).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
