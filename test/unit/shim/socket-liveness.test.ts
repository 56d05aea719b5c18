import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { socketIsStale } from '../../../src/shim/socket-liveness';

function connectError(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: file });
    s.once('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
  });
}

describe('socketIsStale', () => {
  it('only a refused connection or a vanished file is stale; EAGAIN (full backlog) and others are a busy live daemon', () => {
    expect(['ECONNREFUSED', 'ENOENT', 'EAGAIN', 'ETIMEDOUT', 'EACCES', undefined].map(socketIsStale)).toEqual([true, true, false, false, false, false]);
  });

  it('a socket file left by a closed listener is refused, hence stale', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-sock-'));
    try {
      const file = path.join(dir, 's');
      // A listener bound through a duplicated fd leaves the file behind when it goes away.
      const server = net.createServer();
      await new Promise<void>((r) => server.listen({ path: file }, r));
      const keep = path.join(dir, 'kept');
      fs.linkSync(file, keep);
      await new Promise((r) => server.close(r));
      expect(socketIsStale(await connectError(keep))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
