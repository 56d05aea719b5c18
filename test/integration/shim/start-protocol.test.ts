// The shim binary's process contract without containerd: `start` with BootstrapParams (2.3+) and
// with legacy stdin, pod grouping (one daemon per sandbox), the address file, the Task API on the
// socket under both service names, Shutdown ending the daemon, the `delete` action, -info.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Any } from '../../../src/gen/google/protobuf/any';
import { BootstrapParams, BootstrapResult, LogLevel } from '../../../src/gen/runtime/bootstrap/v1/bootstrap';
import { DeleteResponse, TaskDefinition as TaskV2 } from '../../../src/gen/runtime/task/v2/shim';
import { TaskDefinition as TaskV3 } from '../../../src/gen/runtime/task/v3/shim';
import { RuntimeInfo } from '../../../src/gen/types/introspection';
import { Client } from '../../../src/ttrpc/client';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { testEnv, uniqueId } from '../../helpers/env';
import { detectCgroupHost, openCgroup } from '../../../src/cgroups';
import { Options as RuncOptions } from '../../../src/gen/types/runc/options/oci';

const NS = 'tsrun-start-test';

function shim(): string {
  return path.join(testEnv().binDir, 'containerd-shim-tsrun-v1');
}

/** Run the shim with raw stdin bytes; stdout stays raw (protobuf). */
function runShim(args: string[], opts: { cwd?: string; input?: Buffer } = {}) {
  const r = spawnSync(shim(), args, { cwd: opts.cwd, input: opts.input ?? Buffer.alloc(0), timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('shim start/delete protocol (no containerd)', () => {
  let dir: string;
  const daemons = new Set<number>();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-start-'));
  });
  afterEach(async () => {
    for (const pid of daemons) if (alive(pid)) process.kill(pid, 'SIGKILL');
    daemons.clear();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function bundle(name: string, annotations: Record<string, string> = {}): string {
    const b = path.join(dir, name);
    fs.mkdirSync(path.join(b, 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', annotations }));
    execFileSync('mkfifo', [path.join(b, 'log')]);
    return b;
  }

  function bootstrapStdin(id: string, options?: Any): Buffer {
    return Buffer.from(BootstrapParams.encode({
      instanceId: id, namespace: NS, logLevel: LogLevel.LOG_LEVEL_DEBUG, containerdVersion: 'v2.3.0',
      containerdTtrpcAddress: `unix://${dir}/containerd.sock.ttrpc`, containerdGrpcAddress: `${dir}/containerd.sock`,
      containerdBinary: '/usr/bin/containerd', extensions: options ? [{ value: options }] : [], socketDir: path.join(dir, 's'),
    }).finish());
  }

  function start(b: string, id: string, stdin: Buffer) {
    const args = ['-namespace', NS, '-address', `${dir}/containerd.sock`, '-publish-binary', '/usr/bin/containerd', '-id', id, 'start'];
    return runShim(args, { cwd: b, input: stdin });
  }

  it('answers BootstrapParams with BootstrapResult, groups a pod into one daemon, serves v2 and v3, exits on Shutdown', async () => {
    const pod = { 'io.kubernetes.cri.sandbox-id': 'pod-1' };
    const b1 = bundle('c1', pod);
    const b2 = bundle('c2', pod);
    const r1 = start(b1, 'c1', bootstrapStdin('c1'));
    expect({ code: r1.code, stderr: r1.stderr }).toEqual({ code: 0, stderr: '' });
    const result = BootstrapResult.decode(r1.stdout);
    expect(result).toMatchObject({ version: 2, protocol: 'ttrpc' });
    expect(result.address).toMatch(new RegExp(`^unix://${dir}/s/[0-9a-f]{64}$`));
    expect(fs.readFileSync(path.join(b1, 'address'), 'utf8')).toBe(result.address);

    const r2 = start(b2, 'c2', bootstrapStdin('c2'));
    expect(BootstrapResult.decode(r2.stdout).address).toBe(result.address);
    expect(fs.readFileSync(path.join(b2, 'address'), 'utf8')).toBe(result.address);

    const socket = result.address.slice('unix://'.length);
    const client = new Client(socket);
    try {
      const v2 = client.service(TaskV2);
      const v3 = client.service(TaskV3);
      const c = await v2.connect({ id: 'c1' });
      expect(c).toMatchObject({ taskPid: 0, version: '0.1.0' });
      daemons.add(c.shimPid);
      expect((await v3.connect({ id: 'c2' })).shimPid).toBe(c.shimPid);
      await expect(v2.state({ id: 'nope', execId: '' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
      // Task methods reach the service: Pause of a container this daemon does not host is NotFound.
      await expect(v2.pause({ id: 'c1' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
      const bad = await v2.create({ id: 'c1', bundle: 'relative', rootfs: [], terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', parentCheckpoint: '', options: undefined }).catch((e: TtrpcError) => e);
      expect(bad).toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('bundle') });
      await v2.shutdown({ id: 'c1', now: false });
      await until(() => !alive(c.shimPid), 'the daemon to exit after Shutdown');
      expect(fs.existsSync(socket)).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('prints a plain address for legacy stdin (empty or an options Any) and reuses the live daemon', async () => {
    const b = bundle('legacy');
    const empty = start(b, 'legacy', Buffer.alloc(0));
    expect({ code: empty.code, stderr: empty.stderr }).toEqual({ code: 0, stderr: '' });
    const address = empty.stdout.toString();
    expect(address).toMatch(/^unix:\/\/\/run\/containerd\/s\/[0-9a-f]{64}$/);
    const options = Buffer.from(Any.encode({ typeUrl: 'runtimeoptions.v1.Options', value: Buffer.from([0x12, 0x02, 0x2f, 0x78]) }).finish());
    const again = start(b, 'legacy', options);
    expect(again.stdout.toString()).toBe(address);
    const client = new Client(address.slice('unix://'.length));
    try {
      const c = await client.service(TaskV2).connect({ id: '' });
      daemons.add(c.shimPid);
      await client.service(TaskV2).shutdown({ id: '', now: false });
      await until(() => !alive(c.shimPid), 'the daemon to exit');
    } finally {
      await client.close();
    }
  });

  it('answers bad Creates with clear errors and keeps serving; exits on SIGTERM removing its socket', async () => {
    const b = bundle('bad', { 'io.kubernetes.cri.sandbox-id': `bad-${path.basename(dir)}` });
    const r = start(b, 'bad', bootstrapStdin('bad'));
    expect(r.code).toBe(0);
    const socket = BootstrapResult.decode(r.stdout).address.slice('unix://'.length);
    const client = new Client(socket);
    try {
      const v2 = client.service(TaskV2);
      const { shimPid } = await v2.connect({ id: '' });
      daemons.add(shimPid);
      const base = { id: 'bad', bundle: b, rootfs: [], terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', parentCheckpoint: '', options: undefined };
      const mount = await v2.create({ ...base, rootfs: [{ type: 'nosuchfs', source: 'none', target: '', options: [] }] }).catch((e: TtrpcError) => e);
      expect(mount).toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringMatching(/mount rootfs \(nosuchfs\) on .*rootfs: mount .*: ENODEV/) });
      const fifo = await v2.create({ ...base, stdout: path.join(dir, 'no-such-fifo') }).catch((e: TtrpcError) => e);
      expect(fifo).toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('stdout: open') });
      const opts = await v2.create({ ...base, options: { typeUrl: 'bogus.Options', value: Buffer.alloc(0) } }).catch((e: TtrpcError) => e);
      expect(opts).toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('unsupported type "bogus.Options"') });
      expect(await v2.connect({ id: 'bad' })).toMatchObject({ shimPid, taskPid: 0 });
      expect(fs.readdirSync(path.join(b, 'rootfs'))).toEqual([]);
      process.kill(shimPid, 'SIGTERM');
      await until(() => !alive(shimPid), 'the daemon to exit on SIGTERM');
      expect(fs.existsSync(socket)).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('moves the daemon into the ShimCgroup of runc Options', async () => {
    const cgroupPath = `/${uniqueId('shimcg')}`;
    const options: Any = {
      typeUrl: 'containerd.runc.v1.Options',
      value: Buffer.from(RuncOptions.encode({ ...RuncOptions.fromPartial({}), shimCgroup: cgroupPath }).finish()),
    };
    const b = bundle('cg');
    const r = start(b, 'cg', bootstrapStdin('cg', options));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const client = new Client(BootstrapResult.decode(r.stdout).address.slice('unix://'.length));
    const cgroup = openCgroup(detectCgroupHost(), cgroupPath);
    try {
      const { shimPid } = await client.service(TaskV2).connect({ id: '' });
      daemons.add(shimPid);
      const lines = fs.readFileSync(`/proc/${shimPid}/cgroup`, 'utf8').split('\n');
      expect(lines.filter((l) => l.endsWith(`:${cgroupPath}`)).length).toBeGreaterThan(0);
      await client.service(TaskV2).shutdown({ id: '', now: false });
      await until(() => !alive(shimPid), 'the daemon to exit');
    } finally {
      await client.close();
      for (const pid of daemons) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await until(() => [...daemons].every((pid) => !alive(pid)), 'the daemon to be gone');
      await cgroup.destroy();
    }
  });

  it('delete prints a DeleteResponse with status 137 even with nothing to clean up', async () => {
    const b = bundle('gone');
    const r = runShim(['-namespace', NS, '-address', `${dir}/containerd.sock`, '-id', 'gone', '-bundle', b, 'delete'], { cwd: b });
    expect(r.code).toBe(0);
    const resp = DeleteResponse.decode(r.stdout);
    expect(resp).toMatchObject({ pid: 0, exitStatus: 137 });
    expect(resp.exitedAt!.seconds).toBeGreaterThan(0n);
  });

  it('-info prints RuntimeInfo with the OCI features document', async () => {
    const r = runShim(['-info']);
    expect(r.code).toBe(0);
    const info = RuntimeInfo.decode(r.stdout);
    expect(info.name).toBe('io.containerd.tsrun.v1');
    expect(info.features?.typeUrl).toBe('types.containerd.io/opencontainers/runtime-spec/1/features/Features');
    expect(JSON.parse(info.features!.value.toString()).ociVersionMax).toMatch(/^1\./);
  });

  it('rejects unknown actions and missing flags on stderr with a non-zero exit', async () => {
    const r = runShim(['-namespace', NS, 'frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown action "frobnicate"');
    const s = runShim(['-id', 'x', 'start']);
    expect(s.stderr).toContain('-namespace: required');
  });
});
