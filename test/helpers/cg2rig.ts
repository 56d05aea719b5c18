// The cgroup v2 test rig (scripts/cg2rig): boot one QEMU guest with a pure cgroup v2 hierarchy on the
// host's own root filesystem, run many commands in it, then power it off.
//
//   const rig = await Cg2Rig.boot();            // ~5 s on a quiet machine (software emulation)
//   const r = await rig.run('cat /sys/fs/cgroup/cgroup.controllers');   // { code, stdout, stderr }
//   await rig.close();
//
// The guest sees the host's files read-only (writes land in a throw-away overlay); `rig.shareDir`
// is a read-write directory at the same path on both sides, for reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');
export const RIG_DIR = process.env.CG2RIG_DIR ?? '/var/cache/cg2rig';

export interface RigResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

/** Whether this machine has what the rig needs; `reason` says what is missing and how to fix it. */
export function rigStatus(): { ready: true } | { ready: false; reason: string } {
  const missing: string[] = [];
  if (!onPath('qemu-system-x86_64')) missing.push('qemu-system-x86_64');
  const boot = join(RIG_DIR, 'kroot/boot');
  if (!existsSync(boot) || !readdirSync(boot).some((f) => f.startsWith('vmlinuz-'))) missing.push(`a kernel in ${boot}`);
  if (!existsSync(join(RIG_DIR, 'initramfs.cpio.gz'))) missing.push(`${RIG_DIR}/initramfs.cpio.gz`);
  if (missing.length === 0) return { ready: true };
  return {
    ready: false,
    reason: `the cgroup v2 guest rig is not set up on this machine (missing ${missing.join(', ')}): run scripts/cg2rig/setup.sh as root (or make guest-rig) once, then rerun the tests`,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Cg2Rig {
  private next = 0;
  private exited = false;
  private console = '';

  private constructor(
    private readonly vm: ChildProcess,
    readonly shareDir: string,
  ) {
    vm.stdout?.on('data', (d: Buffer) => (this.console = (this.console + d.toString()).slice(-20000)));
    vm.stderr?.on('data', (d: Buffer) => (this.console = (this.console + d.toString()).slice(-20000)));
    vm.once('exit', () => (this.exited = true));
  }

  /** Boot the guest and wait until its agent listens. Throws with rigStatus().reason when not set up. */
  static async boot(options: { mem?: string; cpus?: number; timeoutMs?: number } = {}): Promise<Cg2Rig> {
    const status = rigStatus();
    if (!status.ready) throw new Error(status.reason);
    const share = mkdtempSync(join(tmpdir(), 'cg2rig-share-'));
    const args = ['--share', share, '--mem', options.mem ?? '2G', '--cpus', String(options.cpus ?? 2), '--',
      '/bin/sh', join(REPO, 'scripts/cg2rig/agent.sh'), share];
    // Own process group, so close() can end qemu together with the run-vm.sh that started it.
    const vm = spawn(join(REPO, 'scripts/cg2rig/run-vm.sh'), args, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CG2RIG_DIR: RIG_DIR } });
    const rig = new Cg2Rig(vm, share);
    const deadline = Date.now() + (options.timeoutMs ?? 180_000);
    while (!existsSync(join(share, 'ready'))) {
      if (rig.exited || Date.now() > deadline) {
        const why = rig.exited ? 'the guest stopped before its agent started' : 'the guest did not start in time';
        await rig.close();
        throw new Error(`cg2rig: ${why}; output:\n${rig.console}`);
      }
      await sleep(100);
    }
    return rig;
  }

  /** Run a shell command in the guest (cwd: the repository unless given); resolves when it ends. */
  async run(command: string, options: { cwd?: string; timeoutMs?: number } = {}): Promise<RigResult> {
    if (this.exited) throw new Error(`cg2rig: the guest is not running; output:\n${this.console}`);
    const n = this.next++;
    const req = join(this.shareDir, 'req');
    const script = `cd '${options.cwd ?? REPO}' || exit 97\n${command}\n`;
    writeFileSync(join(req, `${n}.sh.tmp`), script);
    renameSync(join(req, `${n}.sh.tmp`), join(req, `${n}.sh`));
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    const rcFile = join(req, `${n}.rc`);
    while (!existsSync(rcFile)) {
      if (this.exited) throw new Error(`cg2rig: the guest stopped while running "${command}"; output:\n${this.console}`);
      if (Date.now() > deadline) throw new Error(`cg2rig: "${command}" did not finish in ${options.timeoutMs ?? 600_000} ms`);
      await sleep(100);
    }
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return { code: Number(readFileSync(rcFile, 'utf8').trim()), stdout: read(join(req, `${n}.out`)), stderr: read(join(req, `${n}.err`)) };
  }

  /** Power the guest off (or end it after a grace period) and remove the share. */
  async close(): Promise<void> {
    if (!this.exited) {
      try {
        writeFileSync(join(this.shareDir, 'req', 'stop'), '');
      } catch {
        // the agent never started: end the VM below
      }
      const stopped = once(this.vm, 'exit');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 60_000)));
      const outcome = await Promise.race([stopped, grace]);
      clearTimeout(timer);
      if (outcome === 'timeout' && !this.exited && this.vm.pid) {
        process.kill(-this.vm.pid, 'SIGKILL');
        await stopped;
      }
    }
    rmSync(this.shareDir, { recursive: true, force: true });
  }
}
