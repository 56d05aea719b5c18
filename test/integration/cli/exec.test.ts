// `tsrun exec` next to `runc exec` on identical busybox bundles: output and exit code, -e/--cwd/-u,
// --process file, --pid-file, --detach, exec into a stopped container. Root only; everything is
// removed in afterEach/afterAll.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, makeBundle, parseState, removeCgroupTree, rt, runtimes, type Runtime, TSRUN_JS, waitFor } from './side-by-side';
import { scratchDir, workerScope } from '../../helpers/env';
import { assertNoLeaks } from '../../helpers/leaks';

let CG_PARENT: string;
let base: string;
let both: Runtime[];
const created: { r: Runtime; id: string }[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the CLI integration tests need root');
  if (!fs.existsSync(TSRUN_JS)) throw new Error(`${TSRUN_JS} missing: run make build first (make test does)`);
  CG_PARENT = `${workerScope()}cliexec`;
  base = fs.mkdtempSync(path.join(scratchDir(), 'cliexec-'));
  both = runtimes(base);
});

afterEach(() => {
  for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
});

afterAll(async () => {
  for (const dir of cgroupDirsFor(CG_PARENT)) removeCgroupTree(dir);
  if (base) fs.rmSync(base, { recursive: true, force: true });
  await assertNoLeaks();
});

/** A running `sleep 1000` container with FOO=bar in its env. */
function running(r: Runtime, label: string): string {
  const name = `${label}-${r.name}`;
  const bundle = makeBundle(path.join(base, name), (c) => {
    c.process.args = ['sleep', '1000'];
    c.process.env = [...(c.process.env as string[]), 'FOO=bar'];
    c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
  });
  const id = `${name}-${process.pid}`;
  created.push({ r, id });
  const res = rt(r, ['run', '-d', '--bundle', bundle, id]);
  if (res.code !== 0) throw new Error(`${r.name} run -d ${id} failed (${res.code}): ${res.stderr}`);
  return id;
}

describe('tsrun exec vs runc exec', () => {
  it('same output, exit codes, env, cwd and user', () => {
    const seen: Record<string, unknown[]> = {};
    for (const r of both) {
      const id = running(r, 'ex');
      const out = rt(r, ['exec', id, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      const env = rt(r, ['exec', '-e', 'BAZ=qux', '--cwd', '/tmp', '-u', '1000:1001', id, 'sh', '-c', 'echo $FOO $BAZ; pwd; id -u; id -g']);
      const init = rt(r, ['exec', id, 'cat', '/proc/1/cmdline']);
      const missing = rt(r, ['exec', id, '/no/such/program']);
      seen[r.name] = [
        { code: out.code, stdout: out.stdout, stderr: out.stderr },
        { code: env.code, stdout: env.stdout },
        init.stdout,
        missing.code === 0,
      ];
    }
    expect(seen.runc).toEqual([{ code: 3, stdout: 'out\n', stderr: 'err\n' }, { code: 0, stdout: 'bar qux\n/tmp\n1000\n1001\n' }, 'sleep\x001000\x00', false]);
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('--process file, --pid-file and --detach; exec into a stopped container fails', () => {
    for (const r of both) {
      const id = running(r, 'exp');
      const procFile = path.join(base, `proc-${r.name}.json`);
      fs.writeFileSync(procFile, JSON.stringify({ args: ['sh', '-c', 'echo from-file $X; exit 2'], env: ['PATH=/bin', 'X=1'], cwd: '/', user: { uid: 0, gid: 0 } }));
      const p = rt(r, ['exec', '--process', procFile, id]);
      expect({ runtime: r.name, code: p.code, stdout: p.stdout }).toEqual({ runtime: r.name, code: 2, stdout: 'from-file 1\n' });
      const pidFile = path.join(base, `exec-${r.name}.pid`);
      const d = rt(r, ['exec', '-d', '--pid-file', pidFile, id, 'sleep', '999']);
      expect({ runtime: r.name, code: d.code }).toEqual({ runtime: r.name, code: 0 });
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      const ps = JSON.parse(rt(r, ['ps', '-f', 'json', id]).stdout) as number[];
      expect(ps).toContain(pid);
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x00999\x00');
      expect(rt(r, ['kill', id, 'KILL']).code).toBe(0);
      waitFor(`${r.name} ${id} stopped`, () => parseState(rt(r, ['state', id])).status === 'stopped');
      const late = rt(r, ['exec', id, 'true']);
      expect({ runtime: r.name, failed: late.code !== 0 }).toEqual({ runtime: r.name, failed: true });
    }
  });
});

/** A console-socket receiver (runc's protocol): takes the pty master sent with SCM_RIGHTS, reads
 *  the terminal until every slave is closed (EIO), then prints the slave name and the output. */
const RECEIVER = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 4096, 1)
data = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    data += b
print(json.dumps({"name": msg.decode(), "out": data.decode()}), flush=True)
`;

function startReceiver(sock: string): { ready: Promise<void>; result: Promise<{ name: string; out: string }> } {
  const child = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  receivers.push(child);
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('listening')) readyResolve();
  });
  const result = new Promise<{ name: string; out: string }>((resolve, reject) => {
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) reject(new Error(`console receiver exited ${code} without a result: ${out}`));
      else resolve(JSON.parse(line) as { name: string; out: string });
    });
  });
  return { ready, result };
}

const receivers: ChildProcess[] = [];

/** Run a command on a terminal (`script`; runc opens /dev/tty to proxy one). script's stdin stays
 *  open until the command exited (at EOF script would type a NUL into the terminal). */
function onTerminal(argv: readonly string[]): Promise<{ code: number | null; out: string }> {
  const cmd = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  receivers.push(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, out: out.replace(/\r/g, '') }));
    child.on('exit', () => child.stdin.end());
  });
}
afterEach(() => {
  for (const c of receivers.splice(0)) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
});

describe('tsrun vs runc: --console-socket', () => {
  it('run -d and exec -t -d hand the pty master to the socket; the process has a sized controlling terminal', async () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `con-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo tty-yes; stty size; tty; stat -c "%t:%T %a" /dev/console; ' +
          '[ "$(stat -c %d /dev/console)" = "$(stat -c %d /dev/pts/ptmx)" ] && echo same-devpts; sleep 1000'];
        c.process.terminal = true;
        c.process.consoleSize = { height: 24, width: 80 };
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      const id = `${name}-${process.pid}`;
      created.push({ r, id });
      const sock = path.join(base, `${name}.sock`);
      const init = startReceiver(sock);
      await init.ready;
      const res = rt(r, ['run', '-d', '--console-socket', sock, '--bundle', bundle, id]);
      expect({ runtime: r.name, code: res.code, stderr: res.stderr }).toEqual({ runtime: r.name, code: 0, stderr: '' });

      const execSock = path.join(base, `${name}-exec.sock`);
      const ex = startReceiver(execSock);
      await ex.ready;
      const e = rt(r, ['exec', '-t', '-d', '--console-socket', execSock, id, 'sh', '-c', '[ -t 0 ] && echo exec-tty; tty']);
      expect({ runtime: r.name, code: e.code }).toEqual({ runtime: r.name, code: 0 });
      const execResult = await ex.result;

      expect(rt(r, ['kill', id, 'KILL']).code).toBe(0);
      const initResult = await init.result;
      expect(initResult.name).toBe('/dev/ptmx'); // runc sends the master's name
      seen[r.name] = { init: initResult.out, exec: execResult.out };
    }
    // both ptys come from the container's devpts (runc allocates them there): pts/0 bound on /dev/console
    expect(seen.runc).toEqual({ init: 'tty-yes\r\n24 80\r\n/dev/pts/0\r\n88:0 620\r\nsame-devpts\r\n', exec: 'exec-tty\r\n/dev/pts/1\r\n' });
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('without a console socket, run and exec -t proxy the terminal to their own stdio', async () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `proxy-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo run-tty; exit 2'];
        c.process.terminal = true;
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      const id = `${name}-${process.pid}`;
      created.push({ r, id });
      const run = await onTerminal([...r.argv, 'run', '--bundle', bundle, id]);
      const sleeper = `${id}-s`;
      const sBundle = makeBundle(path.join(base, `${name}-s`), (c) => {
        c.process.args = ['sleep', '1000'];
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}-s`;
      });
      created.push({ r, id: sleeper });
      expect(rt(r, ['run', '-d', '--bundle', sBundle, sleeper]).code).toBe(0);
      const ex = await onTerminal([...r.argv, 'exec', '-t', sleeper, 'sh', '-c', '[ -t 0 ] && echo exec-tty; tty >/dev/null && echo has-name; exit 4']);
      seen[r.name] = { run, exec: ex };
    }
    expect(seen.runc).toEqual({ run: { code: 2, out: 'run-tty\n' }, exec: { code: 4, out: 'exec-tty\nhas-name\n' } });
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('a console socket without process.terminal is refused by both', () => {
    for (const r of both) {
      const name = `nocon-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['true'];
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      const id = `${name}-${process.pid}`;
      created.push({ r, id });
      const res = rt(r, ['create', '--console-socket', path.join(base, 'nowhere.sock'), '--bundle', bundle, id]);
      expect({ runtime: r.name, failed: res.code !== 0 }).toEqual({ runtime: r.name, failed: true });
    }
  });
});

describe('tsrun vs runc: stdio ownership and paused containers', () => {
  it('a non-root user can reopen its stdio pipes (/proc/self/fd/1): both chown them to it', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `own-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['sh', '-c', 'echo out > /proc/self/fd/1 && echo err > /dev/stderr && stat -L -c "%u %g" /proc/self/fd/1'];
        c.process.user = { uid: 1000, gid: 1000 };
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      const id = `${name}-${process.pid}`;
      created.push({ r, id });
      // real pipes as stdio (Node's own stdio pipes are socketpairs, which /proc/self/fd/N cannot reopen)
      const quoted = [...r.argv, 'run', '--bundle', bundle, id].map((a) => `'${a}'`).join(' ');
      const res = spawnSync('sh', ['-c', `${quoted} </dev/null 2>&1 | cat`], { encoding: 'utf8', timeout: 60_000 });
      seen[r.name] = res.stdout.split('\n').sort(); // stdout and stderr share the pipe
    }
    // the uid changes, the gid stays (the pipes are ours: gid 0)
    expect(seen.runc).toEqual(['', '1000 0', 'err', 'out']);
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('exec into a paused container is refused with runc\'s words; with --ignore-paused it runs once resumed', async () => {
    for (const r of both) {
      const id = running(r, 'paused');
      expect(rt(r, ['pause', id]).code).toBe(0);
      const refused = rt(r, ['exec', id, 'true']);
      expect({ runtime: r.name, failed: refused.code !== 0, stderr: refused.stderr }).toEqual({
        runtime: r.name, failed: true, stderr: expect.stringContaining('cannot exec in a paused container (use --ignore-paused to override)'),
      });
      // the exec joins the frozen cgroup and waits there until the resume (runc does the same)
      const child = spawn(r.argv[0]!, [...r.argv.slice(1), 'exec', '--ignore-paused', id, 'sh', '-c', 'echo ran'], { stdio: ['ignore', 'pipe', 'pipe'] });
      receivers.push(child);
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      expect(rt(r, ['resume', id]).code).toBe(0);
      expect({ runtime: r.name, code: await done, out }).toEqual({ runtime: r.name, code: 0, out: 'ran\n' });
    }
  });
});
