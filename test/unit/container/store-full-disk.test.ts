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
import { withLock } from '../../../src/container/store';

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
