// Test fixture, bundled by listen-fd.test.ts: like the shim's `start` action, bind the socket,
// hand its fd to a detached daemon, print the daemon's pid and exit without closing the listener
// (closing a path-bound net.Server would unlink the socket path).
import { spawn } from 'node:child_process';
import { Server } from '../../../../src/ttrpc';

async function main(): Promise<void> {
  const [daemon, socketPath] = process.argv.slice(2);
  const server = new Server();
  await server.listen(socketPath!);
  const child = spawn(process.execPath, [daemon!], { stdio: ['ignore', 'ignore', 'ignore', server.fd()], detached: true });
  child.unref();
  process.stdout.write(`${child.pid}\n`, () => process.exit(0));
}

void main();
