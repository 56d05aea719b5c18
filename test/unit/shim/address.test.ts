import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { goJoin, groupKey, readAddressFile, socketAddress, socketPath, writeAddressFile } from '../../../src/shim/address';

describe('groupKey', () => {
  it('defaults to the container id', () => {
    expect(groupKey(undefined, 'c1')).toBe('c1');
    expect(groupKey({ other: 'x' }, 'c1')).toBe('c1');
  });
  it('uses the CRI sandbox id so a pod shares one daemon', () => {
    expect(groupKey({ 'io.kubernetes.cri.sandbox-id': 'pod1' }, 'c1')).toBe('pod1');
  });
  it('prefers the explicit group labels over the sandbox id', () => {
    const a = { 'io.kubernetes.cri.sandbox-id': 'pod1', 'io.containerd.runc.v2.group': 'g' };
    expect(groupKey(a, 'c1')).toBe('g');
    expect(groupKey({ ...a, 'io.containerd.tsrun.v1.group': 't' }, 'c1')).toBe('t');
  });
  it('ignores empty values', () => {
    expect(groupKey({ 'io.containerd.tsrun.v1.group': '' }, 'c1')).toBe('c1');
  });
});

describe('socketAddress', () => {
  it('matches the address observed from containerd-shim-runc-v2', () => {
    // [obs] in shim-contract.md §2.2: sha256 of "<grpc address>/default/probe1".
    const grpc = '/tmp/ctrd/containerd.sock';
    const expected = createHash('sha256').update(`${grpc}/default/probe1`).digest('hex');
    expect(socketAddress(grpc, 'default', 'probe1')).toBe(`unix:///run/containerd/s/${expected}`);
  });
  it('cleans the joined path like Go filepath.Join', () => {
    expect(goJoin('/a//b/', 'ns', 'id')).toBe('/a/b/ns/id');
    expect(goJoin('', 'ns', 'id')).toBe('ns/id');
    expect(goJoin('/a/', '')).toBe('/a');
    expect(socketAddress('/a//b/', 'ns', 'id')).toBe(socketAddress('/a/b', 'ns', 'id'));
  });
  it('honours a socket dir and refuses over-long paths', () => {
    expect(socketAddress('/x', 'n', 'g', '/tmp/s')).toMatch(/^unix:\/\/\/tmp\/s\/[0-9a-f]{64}$/);
    expect(() => socketAddress('/x', 'n', 'g', `/${'d'.repeat(60)}`)).toThrow(/longer than 106 bytes/);
  });
  it('strips unix:// to get the path', () => {
    expect(socketPath('unix:///run/x')).toBe('/run/x');
    expect(socketPath('/run/x')).toBe('/run/x');
  });
});

describe('address file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-addr-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes exactly the address, replacing an older one and a stale temp file', () => {
    fs.writeFileSync(path.join(dir, '.address'), 'stale');
    writeAddressFile(dir, 'unix:///run/a');
    writeAddressFile(dir, 'unix:///run/b');
    expect(fs.readFileSync(path.join(dir, 'address'), 'utf8')).toBe('unix:///run/b');
    expect(fs.existsSync(path.join(dir, '.address'))).toBe(false);
    expect(readAddressFile(dir)).toBe('unix:///run/b');
  });
  it('reads undefined when absent', () => {
    expect(readAddressFile(dir)).toBeUndefined();
  });
});
