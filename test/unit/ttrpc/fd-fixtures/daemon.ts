// Test fixture, bundled by listen-fd.test.ts: serve ttrpc on the listening socket inherited as fd 3.
import { Server } from '../../../../src/ttrpc';

const server = new Server();
server.registerRaw('fd.v1.Daemon', 'Pid', async () => Buffer.from(String(process.pid)));
server.registerRaw('fd.v1.Daemon', 'Shutdown', async () => {
  setImmediate(() => void server.close().then(() => process.exit(0)));
  return new Uint8Array();
});
void server.listen({ fd: 3 });
