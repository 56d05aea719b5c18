// Handing a listening socket to another process by fd, the way the shim's start action does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, listeningFd, Server, socketFd } from '../../../src/ttrpc';
import { tempDir } from './fixtures';

jest.setTimeout(30_000);

let tmp: ReturnType<typeof tempDir>;
let daemonPid: number | undefined;
beforeEach(() => (tmp = tempDir()));
afterEach(() => {
  if (daemonPid !== undefined && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
  daemonPid = undefined;
  tmp.remove();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function bundle(name: string): string {
  const outfile = path.join(tmp.dir, `${name}.js`);
  // esbuild's CLI in a child that exits: its JS API would leave a service process in this jest
  // worker, which later suites' leak checks (rightly) report.
  const entry = path.join(__dirname, 'fd-fixtures', `${name}.ts`);
  const args = [entry, '--bundle', '--platform=node', '--target=node24', `--outfile=${outfile}`, '--log-level=error'];
  execFileSync(require.resolve('esbuild/bin/esbuild'), args, { stdio: 'inherit' });
  return outfile;
}

test('listeningFd returns the fd of a listening server and explains when there is none', async () => {
  const server = net.createServer();
  expect(() => listeningFd(server)).toThrow(/after listen\(\)/);
  await new Promise<void>((resolve) => server.listen(path.join(tmp.dir, 'a.sock'), resolve));
  const fd = listeningFd(server);
  expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toMatch(/^socket:\[\d+\]$/);
  await new Promise((resolve) => server.close(resolve));
  expect(() => new Server().fd()).toThrow(/before listen/);
});

test('socketFd gives onConnection the fd of each accepted socket', async () => {
  const fds: string[] = [];
  const server = new Server({ onConnection: (socket) => void fds.push(fs.readlinkSync(`/proc/self/fd/${socketFd(socket)}`)) });
  server.registerRaw('s', 'M', async () => new Uint8Array());
  await server.listen(path.join(tmp.dir, 'b.sock'));
  const client = new Client(path.join(tmp.dir, 'b.sock'));
  await client.call('s', 'M', new Uint8Array());
  await client.close();
  await server.close();
  expect(fds).toEqual([expect.stringMatching(/^socket:\[\d+\]$/)]);
  expect(() => socketFd(new net.Socket())).toThrow(/no open handle/);
});

test('a daemon serves on a socket inherited by fd after the process that bound it exited', async () => {
  const node = process.execPath;
  const start = bundle('start');
  const daemon = bundle('daemon');
  const socketPath = path.join(tmp.dir, 'shim.sock');
  const out = execFileSync(node, [start, daemon, socketPath], { encoding: 'utf8', timeout: 20_000 });
  daemonPid = Number(out.trim());
  expect(Number.isInteger(daemonPid)).toBe(true);
  expect(fs.statSync(socketPath).isSocket()).toBe(true);

  const client = new Client(socketPath);
  try {
    const pid = await client.call('fd.v1.Daemon', 'Pid', new Uint8Array());
    expect(Number(Buffer.from(pid).toString())).toBe(daemonPid);
    await client.call('fd.v1.Daemon', 'Shutdown', new Uint8Array());
    await client.closed;
  } finally {
    await client.close();
  }
});
