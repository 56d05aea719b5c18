// Real FIFOs, real pipes (build/libtsrun.so, built by `make build`), a real process (`sh`/`cat`)
// playing the container. The client side opens the FIFOs the way containerd's cio does.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { openProcessIO, stdioMode } from '../../../src/shim/stdio';
import type { ProcessIO, StdioRequest } from '../../../src/shim/ports';

const ctx = { id: 'c1', namespace: 'default' };

/** Poll until `cond` holds (the jest timeout bounds it; no timing assertion). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;

describe('stdioMode', () => {
  it.each<[Partial<StdioRequest>, string]>([
    [{}, 'null'],
    [{ stdout: '/run/fifo/out' }, 'fifo'],
    [{ stdout: 'fifo:///run/fifo/out' }, 'fifo'],
    [{ stdout: 'file:///var/log/c.log' }, 'file'],
    [{ stdout: 'binary:///usr/bin/logger?id=1&x=y' }, 'binary'],
  ])('%j → %s', (req, kind) => {
    expect(stdioMode({ stdin: '', stdout: '', stderr: '', terminal: false, ...req }).kind).toBe(kind);
  });
  it('passes binary:// query keys and first values as arguments', () => {
    expect(stdioMode({ stdin: '', stdout: 'binary:///bin/log?a=1&b=2&a=3', stderr: '', terminal: false })).toEqual({
      kind: 'binary', stdin: '', path: '/bin/log', args: ['a', '1', 'b', '2'],
    });
  });
  it('rejects unknown schemes and relative file paths', () => {
    expect(() => stdioMode({ stdin: '', stdout: 'http://x/y', stderr: '', terminal: false })).toThrow(/unsupported scheme http/);
  });
});

describe('openProcessIO with real FIFOs', () => {
  let dir: string;
  const cleanup: Array<() => unknown> = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-stdio-'));
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fifo(name: string): string {
    const p = path.join(dir, name);
    execFileSync('mkfifo', [p]);
    return p;
  }

  /** Open a FIFO's read side like ctr does and collect everything until EOF. */
  function collect(p: string): { text: () => string; ended: Promise<void>; socket: net.Socket } {
    const socket = new net.Socket({ fd: fs.openSync(p, O_RDONLY | O_NONBLOCK), readable: true, writable: false });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((r) => socket.once('end', () => r()));
    cleanup.push(() => socket.destroy());
    return { text: () => Buffer.concat(chunks).toString(), ended, socket };
  }

  async function open(req: Partial<StdioRequest>): Promise<ProcessIO> {
    const io = await openProcessIO({ stdin: '', stdout: '', stderr: '', terminal: false, ...req }, ctx);
    cleanup.push(() => io.close());
    return io;
  }

  /** Run `sh -c script` with the io's fds as its stdio, then drop the shim's copies. */
  function run(io: ProcessIO, script: string): Promise<number | null> {
    const child = spawn('sh', ['-c', script], { stdio: [io.fds.stdin, io.fds.stdout, io.fds.stderr] });
    io.releaseProcessEnds();
    return new Promise((r) => child.once('exit', (code) => r(code)));
  }

  it('copies stdout and stderr to their FIFOs and drains at exit', async () => {
    const out = fifo('out');
    const err = fifo('err');
    const o = collect(out);
    const e = collect(err);
    const io = await open({ stdout: out, stderr: err });
    expect(await run(io, 'echo hello; echo oops >&2; exit 3')).toBe(3);
    await io.drain(2000);
    await io.close();
    await Promise.all([o.ended, e.ended]);
    expect(o.text()).toBe('hello\n');
    expect(e.text()).toBe('oops\n');
  });

  // containerd 1.7's CRI waits for EOF on its FIFOs before it sends Delete (task.Delete →
  // io.Wait); a shim holding them until Delete hangs both sides and the container stays RUNNING.
  it('closes the output FIFOs once the process side is at EOF and the client has read everything, without Delete', async () => {
    const out = fifo('out');
    const err = fifo('err');
    const o = collect(out);
    const e = collect(err);
    const io = await open({ stdout: out, stderr: err });
    expect(await run(io, 'echo hello; echo oops >&2; exit 3')).toBe(3);
    await Promise.all([o.ended, e.ended]);
    expect(o.text()).toBe('hello\n');
    expect(e.text()).toBe('oops\n');
  });

  it('ends a FIFO that stdout and stderr share only after both reach EOF', async () => {
    const out = fifo('out');
    const o = collect(out);
    const io = await open({ stdout: out, stderr: out });
    const child = spawn('sh', ['-c', 'echo first; exec 1>&-; read _; echo second >&2'], { stdio: ['pipe', io.fds.stdout, io.fds.stderr] });
    io.releaseProcessEnds();
    await until(() => o.text() === 'first\n');
    child.stdin?.end('go\n');
    await o.ended;
    expect(o.text()).toBe('first\nsecond\n');
  });

  it('loses nothing when the client is not attached while the process writes', async () => {
    const out = fifo('out');
    const io = await open({ stdout: out, stderr: out });
    expect(await run(io, 'i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done; echo err >&2')).toBe(0);
    await io.drain(2000);
    const o = collect(out);
    await until(() => o.text().endsWith('err\n'));
    const lines = o.text().trim().split('\n');
    expect(lines).toHaveLength(201);
    expect(lines[199]).toBe('line199');
    expect(lines[200]).toBe('err');
  });

  it('feeds stdin and delivers EOF only after CloseIO', async () => {
    const inp = fifo('in');
    const out = fifo('out');
    const o = collect(out);
    const io = await open({ stdin: inp, stdout: out });
    const exited = run(io, 'cat; echo done');
    const writer = fs.openSync(inp, O_WRONLY | O_NONBLOCK);
    fs.writeSync(writer, 'hello stdin\n');
    fs.closeSync(writer);
    await until(() => o.text() === 'hello stdin\n');
    io.closeStdin();
    expect(await exited).toBe(0);
    await io.drain(2000);
    // drain means written into the FIFO, not yet read by the client: wait for its EOF.
    await o.ended;
    expect(o.text()).toBe('hello stdin\ndone\n');
  });

  it('gives /dev/null when no stdio is requested', async () => {
    const io = await open({});
    expect(await run(io, 'cat; echo ignored')).toBe(0);
  });

  it('appends stdout and stderr to a file:// target', async () => {
    const file = path.join(dir, 'logs', 'c1.log');
    const io = await open({ stdout: `file://${file}`, stderr: `file://${file}` });
    expect(await run(io, 'echo one; echo two >&2')).toBe(0);
    await io.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });

  it('runs a binary:// log driver with fds 3/4 and waits for its ready fd 5', async () => {
    const driver = path.join(dir, 'driver.sh');
    fs.writeFileSync(driver, [
      '#!/bin/sh',
      `echo "$CONTAINER_ID $CONTAINER_NAMESPACE $*" > ${dir}/args`,
      'exec 5>&-',
      `cat <&3 > ${dir}/out &`,
      `cat <&4 > ${dir}/err &`,
      'exec 3<&- 4<&-',
      'wait',
      '',
    ].join('\n'), { mode: 0o755 });
    const io = await open({ stdout: `binary://${driver}?mode=test`, stderr: `binary://${driver}?mode=test` });
    expect(fs.readFileSync(path.join(dir, 'args'), 'utf8')).toBe('c1 default mode test\n');
    expect(await run(io, 'echo to-out; echo to-err >&2')).toBe(0);
    await io.close();
    const read = (f: string): string => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
    await until(() => read('out') !== '' && read('err') !== '');
    expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('to-out\n');
    expect(fs.readFileSync(path.join(dir, 'err'), 'utf8')).toBe('to-err\n');
  });

  it('reports a missing FIFO as a clear InvalidArgument', async () => {
    await expect(open({ stdout: path.join(dir, 'missing') })).rejects.toThrow(/stdout: open .*missing: ENOENT \(the client must create it/);
  });
});
