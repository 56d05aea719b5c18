import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseProcStat, readProcStat, isSameLiveProcess } from '../../../src/container/proc';
import { parseRecord, RECORD_VERSION, type ContainerRecord } from '../../../src/container/record';
import { parseSignal, signalName } from '../../../src/container/signals';
import { allowed, deriveStatus } from '../../../src/container/status';
import { checkId, listIds, readRecord, withLock, writeRecord } from '../../../src/container/store';
import { rfc3339Nano } from '../../../src/container/lifecycle';

const record = (id: string): ContainerRecord => ({
  version: RECORD_VERSION,
  id,
  bundle: '/b',
  rootfs: '/b/rootfs',
  pid: 1,
  pidStartTime: '1',
  created: '2026-01-01T00:00:00.000000000Z',
  owner: '',
  startMode: 'fifo',
  started: false,
  systemdCgroup: false,
  spec: { ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['sh'] } },
});

describe('state store', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-store-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes atomically, reads back, lists only dirs with state.json', () => {
    fs.mkdirSync(path.join(root, 'b'));
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'half')); // create in progress: no state.json yet
    writeRecord(root, record('b'));
    writeRecord(root, record('a'));
    expect(readRecord(root, 'a')).toEqual(record('a'));
    expect(readRecord(root, 'missing')).toBeUndefined();
    expect(listIds(root)).toEqual(['a', 'b']);
    expect(fs.readdirSync(path.join(root, 'a'))).toEqual(['state.json']);
    expect(listIds(path.join(root, 'nope'))).toEqual([]);
  });

  it('rejects corrupt records naming the file and field', () => {
    expect(() => parseRecord('{', '/x/state.json')).toThrow(/^\/x\/state.json: not valid JSON/);
    expect(() => parseRecord(JSON.stringify({ ...record('a'), pid: 'x' }), 'f')).toThrow('f: field "pid" must be a number');
    expect(() => parseRecord(JSON.stringify({ ...record('a'), version: 99 }), 'f')).toThrow('f: unsupported record version 99');
    expect(() => parseRecord(JSON.stringify({ ...record('a'), startMode: 'x' }), 'f')).toThrow(/startMode/);
  });

  it('serializes concurrent holders of one container lock and takes over stale locks', async () => {
    const order: string[] = [];
    const slow = withLock(root, 'c', async () => {
      order.push('first in');
      await new Promise((r) => setTimeout(r, 30));
      order.push('first out');
    });
    const fast = withLock(root, 'c', async () => void order.push('second'));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    // A lock file left by a dead process is taken over.
    fs.writeFileSync(path.join(root, '.d.lock'), '999999999');
    await expect(withLock(root, 'd', () => 7)).resolves.toBe(7);
    expect(fs.existsSync(path.join(root, '.d.lock'))).toBe(false);
  });

  it('checks ids like runc', () => {
    for (const ok of ['a', 'A-1', 'x.y_z+1', '0']) expect(() => checkId(ok)).not.toThrow();
    for (const bad of ['', '.', '..', '../x', 'a/b', '-a', 'a b']) expect(() => checkId(bad)).toThrow(/invalid container id/);
  });
});

describe('status', () => {
  it('derives the OCI status', () => {
    expect(deriveStatus({ alive: false, started: true, frozen: true })).toBe('stopped');
    expect(deriveStatus({ alive: true, started: false, frozen: false })).toBe('created');
    expect(deriveStatus({ alive: true, started: true, frozen: false })).toBe('running');
    expect(deriveStatus({ alive: true, started: true, frozen: true })).toBe('paused');
    expect(allowed.start('created')).toBe(true);
    expect(allowed.start('running')).toBe(false);
    expect(allowed.kill('stopped')).toBe(false);
    expect(allowed.deleteWithoutForce('created')).toBe(true);
    expect(allowed.deleteWithoutForce('running')).toBe(false);
  });

  it('parses /proc/<pid>/stat with odd comm names', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[19] = '123456';
    expect(parseProcStat(`77 (we) ird (x) ${fields.join(' ')}`)).toEqual({ state: 'S', startTime: '123456' });
    expect(parseProcStat('garbage')).toBeUndefined();
    const self = readProcStat(process.pid)!;
    expect(isSameLiveProcess(self, self.startTime)).toBe(true);
    expect(isSameLiveProcess(self, '0')).toBe(false);
    expect(isSameLiveProcess({ state: 'Z', startTime: '5' }, '5')).toBe(false);
    expect(readProcStat(0)).toBeUndefined();
  });

  it('formats created like runc (RFC 3339, nanoseconds)', () => {
    expect(rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 67), 891)).toBe('2026-01-02T03:04:05.067000891Z');
  });
});

describe('signals', () => {
  it('accepts names with or without SIG, any case, numbers and RT offsets', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('sigterm')).toBe(15);
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal(15)).toBe(15);
    expect(parseSignal('RTMIN+2')).toBe(36);
    expect(parseSignal('SIGRTMAX')).toBe(64);
    expect(() => parseSignal('NOPE')).toThrow('unknown signal "NOPE"');
    expect(() => parseSignal('0')).toThrow(/between 1 and 64/);
    expect(() => parseSignal(65)).toThrow(/between 1 and 64/);
    expect(signalName(15)).toBe('SIGTERM');
  });
});

describe('record serialization', () => {
  it('keeps 64-bit spec fields exact across write and read', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-store-'));
    try {
      const spec = {
        ociVersion: '1.3.0',
        root: { path: 'rootfs' },
        process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['sh'] },
        linux: { resources: { memory: { limit: 9223372036854771712n } } },
      };
      fs.mkdirSync(path.join(root, 'big'));
      writeRecord(root, { ...record('big'), spec } as unknown as ContainerRecord);
      expect(fs.readFileSync(path.join(root, 'big', 'state.json'), 'utf8')).toContain('"limit":9223372036854771712');
      expect(readRecord(root, 'big')?.spec.linux?.resources?.memory?.limit).toBe(9223372036854771712n);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
