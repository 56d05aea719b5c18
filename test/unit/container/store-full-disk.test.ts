import * as os from 'node:os';
import * as path from 'node:path';

/** Writes to lock files (names starting with ".") fail with mockFail.code while it is set. */
const mockFail: { code: string | undefined; lockFds: Set<number> } = { code: undefined, lockFds: new Set() };

jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    openSync: (p: import('node:fs').PathLike, ...rest: unknown[]): number => {
      const fd = (actual.openSync as (...a: unknown[]) => number)(p, ...rest);
      if (path.basename(String(p)).startsWith('.')) mockFail.lockFds.add(fd);
      return fd;
    },
    writeSync: (fd: number, ...rest: unknown[]): number => {
      if (mockFail.code !== undefined && mockFail.lockFds.has(fd)) {
        throw Object.assign(new Error(`${mockFail.code}: simulated, write`), { code: mockFail.code });
      }
      return (actual.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
  };
});

// After the mock: store.ts gets the wrapped fs.
import * as fs from 'node:fs';
import { ResourceExhaustedError } from '../../../src/errors';
import { RECORD_VERSION, type ContainerRecord } from '../../../src/container/record';
import { readRecord, withLock, writeRecord, writingState } from '../../../src/container/store';
import { Code, statusOf } from '../../../src/ttrpc/status';

const record = (id: string, pid = 1): ContainerRecord => ({
  version: RECORD_VERSION, id, bundle: '/b', rootfs: '/b/rootfs', pid, pidStartTime: '1', created: '2026-01-01T00:00:00.000000000Z',
  owner: '', startMode: 'pipe', started: false, systemdCgroup: false,
  spec: { ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['sh'] } },
});

describe('writing state on a full disk', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-full-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('state.json: RESOURCE_EXHAUSTED naming the container, the file and the fix; the old record stays, no temp file', () => {
    fs.mkdirSync(path.join(root, 'c1'));
    writeRecord(root, record('c1', 1));
    // The temp file is /dev/full: every write fails ENOSPC.
    const tmp = path.join(root, 'c1', `state.json.${process.pid}.tmp`);
    fs.symlinkSync('/dev/full', tmp);
    let err: unknown;
    try {
      writeRecord(root, record('c1', 2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect(statusOf(err).code).toBe(Code.RESOURCE_EXHAUSTED);
    expect((err as Error).message).toBe(
      `writing the state of container "c1" to ${path.join(root, 'c1', 'state.json')}: no space left on device (ENOSPC); ` +
        `free space on the filesystem of the state root ${root} (tsrun --root; for the shim the runtime option Root, ` +
        'default /run/containerd/tsrun/<namespace>) and retry',
    );
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(fs.readdirSync(path.join(root, 'c1'))).toEqual(['state.json']);
    expect(readRecord(root, 'c1')?.pid).toBe(1);
  });

  it('a quota (EDQUOT) is said so; other errors pass through unchanged', () => {
    const quota = Object.assign(new Error('EDQUOT: simulated'), { code: 'EDQUOT' });
    let err: unknown;
    try {
      writingState('/r', 'the pid file of container "x"', '/p', () => {
        throw quota;
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((err as Error).message).toBe('writing the pid file of container "x" /p: disk quota exceeded (EDQUOT); free space on the filesystem of the state root /r ' +
      '(tsrun --root; for the shim the runtime option Root, default /run/containerd/tsrun/<namespace>) and retry');
    const eio = Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
    expect(() => writingState('/r', 'x', '/p', () => {
      throw eio;
    })).toThrow(eio);
    expect(writingState('/r', 'x', '/p', () => 7)).toBe(7);
  });
});

describe('withLock on a full disk', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-lock-'));
  });
  afterEach(() => {
    mockFail.code = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('takes the lock even when its pid cannot be written (ENOSPC), and removes the file after', async () => {
    mockFail.code = 'ENOSPC';
    expect(await withLock(root, 'c', async () => fs.readdirSync(root))).toEqual(['.c.lock']);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('leaves no lock file behind when writing the pid fails otherwise', async () => {
    mockFail.code = 'EIO';
    await expect(withLock(root, 'c', async () => 1)).rejects.toThrow(/EIO/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
