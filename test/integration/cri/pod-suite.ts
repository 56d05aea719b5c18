//! The CRI pod suite, driven against the real containerd exactly as kubelet would drive it, once
//! per runtime handler: runc-handler.test.ts (the reference) and tsrun-handler.test.ts use it.
//! One hostNetwork pod with a systemd-style cgroup parent runs five busybox containers; the tests
//! then check what kubelet relies on, stop the containers (grace period, then SIGKILL) and the pod,
//! and remove it. afterAll cleans up whatever a failing test left (pods, cgroup parent, logs).
import * as fs from 'fs';
import * as path from 'path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { criClient, CriClient, CriError } from '../../helpers/cri';
import { describeHarness } from '../../helpers/containerd';
import { PAUSE_IMAGE_REF } from '../../helpers/cri-images';
import {
  cleanupPods,
  cmdline,
  exited,
  infoPid,
  parentPid,
  podPlan,
  PodPlan,
  removeCgroupParent,
  shContainer,
  waitContainer,
  waitGone,
  waitLog,
} from '../../helpers/cri-pod';
import { parseEnvFile, testEnv, uniqueId } from '../../helpers/env';
import { ContainerState, NamespaceMode, PodSandboxState } from '../../../src/gen/cri/runtime/v1/api';

export interface HandlerExpectations {
  /** runtime_handler in RunPodSandbox: the runtime's name in containerd's config. */
  readonly handler: 'runc' | 'tsrun';
  /** Matches the shim's command line (its executable, or the script a launcher runs). */
  readonly shimCommand: RegExp;
  /**
   * CRI calls that fail because the handler's shim does not implement the Task API method yet,
   * with the error containerd reports for them.
   */
  readonly unimplemented: Partial<Record<'execSync' | 'containerStats' | 'updateContainerResources', RegExp>>;
}
/** Stopping and removing pods, with a shim kill and retries when one does not answer. */
const CLEANUP_TIMEOUT_MS = 180_000;
const CAP_NET_ADMIN = 12n;
const CAP_CHOWN = 0n;
const hasCap = (mask: bigint, cap: bigint): boolean => ((mask >> cap) & 1n) === 1n;

/** The CapXxx masks of `grep Cap /proc/self/status` output lines. */
function caps(lines: readonly string[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const l of lines) {
    const m = /^(Cap\w+):\s+([0-9a-f]+)$/.exec(l);
    if (m) out[m[1]!] = BigInt(`0x${m[2]}`);
  }
  return out;
}

export function describeCriPods(x: HandlerExpectations): void {
  describeHarness(`CRI pod on runtime handler ${x.handler}`, (h) => {
    const image = testEnv().image.ref;
    let cri: CriClient;
    let plan: PodPlan;
    let cgroupParent: string;
    let podId = '';
    const ids: Record<string, string> = {};
    const logOf = (name: string): string => path.join(plan.logDirectory, `${name}.log`);

    beforeAll(async () => {
      cri = criClient(h.address);
      const name = uniqueId(`pod-${x.handler}`);
      // The parent kubelet's cgroupfs driver gives (/kubepods/besteffort/pod<uid>), under a name
      // of this worker's scope; the systemd-style parent has its own pod below.
      cgroupParent = `/${name}-kubepods/besteffort/pod${name}`;
      plan = podPlan({ name, cgroupParent, network: NamespaceMode.NODE, privileged: true });
      fs.mkdirSync(plan.logDirectory, { recursive: true });
      podId = (await cri.runtime.runPodSandbox({ config: plan.config, runtimeHandler: x.handler })).podSandboxId;
      const containers = {
        main: shContainer(
          image,
          'main',
          "echo out-line; echo err-line >&2; cat /proc/self/cgroup; touch /tmp/probe && echo rootfs-writable; trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done",
        ),
        quick: shContainer(image, 'quick', 'echo bye; exit 3'),
        stubborn: shContainer(image, 'stubborn', "trap '' TERM; echo ready; while :; do sleep 0.1; done"),
        secctx: shContainer(
          image,
          'secctx',
          "id -u; grep -E '^Cap(Eff|Bnd):' /proc/self/status; if touch /tmp/probe 2>/dev/null; then echo rootfs-writable; else echo rootfs-readonly; fi",
          {
            linux: {
              securityContext: {
                runAsUser: { value: 1000n },
                readonlyRootfs: true,
                capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'] },
              },
            },
          },
        ),
        privileged: shContainer(image, 'privileged', "grep -E '^CapEff:' /proc/self/status", {
          linux: { securityContext: { privileged: true } },
        }),
      };
      for (const [key, config] of Object.entries(containers)) {
        const { containerId } = await cri.runtime.createContainer({ podSandboxId: podId, config, sandboxConfig: plan.config });
        ids[key] = containerId;
        await cri.runtime.startContainer({ containerId });
      }
    });

    afterAll(async () => {
      const failures: string[] = [];
      if (cri) {
        failures.push(...(await cleanupPods(cri)));
        cri.close();
      }
      if (cgroupParent) failures.push(...(await removeCgroupParent(cgroupParent)));
      if (plan) fs.rmSync(plan.logDirectory, { recursive: true, force: true });
      if (failures.length > 0) throw new Error(`CRI cleanup failed:\n${failures.join('\n')}`);
    }, CLEANUP_TIMEOUT_MS);

    it('runs the pod on the handler with the locally built sandbox image', async () => {
      const r = await cri.runtime.podSandboxStatus({ podSandboxId: podId, verbose: true });
      expect(r.status?.state).toBe(PodSandboxState.SANDBOX_READY);
      expect(r.status?.runtimeHandler).toBe(x.handler);
      expect(r.status?.linux?.namespaces?.options?.network).toBe(NamespaceMode.NODE);
      const info = JSON.parse(r.info.info ?? '{}') as { image?: string; runtimeHandler?: string };
      expect(info.image).toBe(PAUSE_IMAGE_REF);
      const listed = await cri.runtime.listContainers({ filter: { podSandboxId: podId } });
      expect(listed.containers.map((c) => c.metadata?.name).sort()).toEqual(['main', 'privileged', 'quick', 'secctx', 'stubborn']);
    });

    it('reports exit codes and reasons of exited containers', async () => {
      const quick = await waitContainer(cri, ids.quick!, exited, 'exited');
      expect({ code: quick.exitCode, reason: quick.reason }).toEqual({ code: 3, reason: 'Error' });
      const secctx = await waitContainer(cri, ids.secctx!, exited, 'exited');
      expect({ code: secctx.exitCode, reason: secctx.reason }).toEqual({ code: 0, reason: 'Completed' });
      // Both set; no order between them: containerd stamps startedAt after Start returns, while
      // finishedAt is the shim's exit time, which can be earlier for a container this short.
      expect(secctx.startedAt > 0n && secctx.finishedAt > 0n).toBe(true);
      const main = await waitContainer(cri, ids.main!, (s) => s.state === ContainerState.CONTAINER_RUNNING, 'running');
      expect(main.logPath).toBe(logOf('main'));
    });

    it('writes stdout and stderr to the CRI log path as "<time> <stream> F <line>"', async () => {
      const lines = await waitLog(logOf('main'), (l) => l.some((e) => e.content === 'ready'));
      expect(lines.filter((l) => l.content === 'out-line' || l.content === 'err-line').map((l) => `${l.stream} ${l.tag} ${l.content}`).sort()).toEqual([
        'stderr F err-line',
        'stdout F out-line',
      ]);
      expect(lines.some((l) => l.content === 'rootfs-writable')).toBe(true);
      const quick = await waitLog(logOf('quick'), (l) => l.length > 0);
      expect(quick.map((l) => `${l.stream} ${l.tag} ${l.content}`)).toEqual(['stdout F bye']);
    });

    it('runs every container of the pod under the one shim of the sandbox', async () => {
      const sandboxPid = infoPid((await cri.runtime.podSandboxStatus({ podSandboxId: podId, verbose: true })).info);
      const shim = parentPid(sandboxPid);
      for (const key of ['main', 'stubborn']) {
        const pid = infoPid((await cri.runtime.containerStatus({ containerId: ids[key]!, verbose: true })).info);
        expect({ key, shim: parentPid(pid) }).toEqual({ key, shim });
      }
      const argv = cmdline(shim);
      expect(argv.join(' ')).toMatch(x.shimCommand);
      expect(argv.slice(argv.indexOf('-id'), argv.indexOf('-id') + 2)).toEqual(['-id', podId]);
    });

    it('places containers below the pod cgroup parent (cgroupfs driver)', async () => {
      const lines = await waitLog(logOf('main'), (l) => l.some((e) => e.content === 'ready'));
      const memory = lines.map((l) => l.content).find((c) => /^\d+:memory:\//.test(c));
      expect(memory).toBe(`${memory?.split(':')[0]}:memory:${cgroupParent}/${ids.main}`);
    });

    it('applies securityContext: runAsUser, readOnlyRootFilesystem, capabilities add/drop, privileged', async () => {
      const secLines = await waitLog(logOf('secctx'), (l) => l.some((e) => e.content.startsWith('rootfs-')));
      // Nothing on stderr: a device cgroup without runc's default devices makes the shell's
      // `2>/dev/null` fail ("can't create /dev/null: Operation not permitted") and the readonly
      // probe below then reports rootfs-readonly without having run.
      expect(secLines.filter((l) => l.stream === 'stderr').map((l) => l.content)).toEqual([]);
      const sec = secLines.map((l) => l.content);
      expect(sec[0]).toBe('1000');
      expect(sec).toContain('rootfs-readonly');
      const c = caps(sec);
      expect(c.CapEff).toBe(0n); // uid 1000 without ambient capabilities
      expect(hasCap(c.CapBnd!, CAP_NET_ADMIN)).toBe(true);
      expect(hasCap(c.CapBnd!, CAP_CHOWN)).toBe(false);
      const priv = caps((await waitLog(logOf('privileged'), (l) => l.length > 0)).map((l) => l.content));
      // Privileged: every capability the node has (its bounding set; some VMs lack a few).
      const node = caps(fs.readFileSync('/proc/self/status', 'utf8').split('\n'));
      expect(priv.CapEff?.toString(16)).toBe(node.CapBnd?.toString(16));
    });

    it(x.unimplemented.execSync ? 'ExecSync fails with the shim\'s "not implemented" error' : 'ExecSync returns output and exit code', async () => {
      const call = cri.runtime.execSync({ containerId: ids.main!, cmd: ['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 4'], timeout: 30n });
      if (x.unimplemented.execSync) {
        await expect(call).rejects.toThrow(x.unimplemented.execSync);
        return;
      }
      const r = await call;
      expect({ out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString(), code: r.exitCode }).toEqual({
        out: 'exec-out\n',
        err: 'exec-err\n',
        code: 4,
      });
    });

    it(x.unimplemented.containerStats ? 'ContainerStats fails (the shim does not implement Stats)' : 'ContainerStats reports CPU and memory', async () => {
      const call = cri.runtime.containerStats({ containerId: ids.main! });
      if (x.unimplemented.containerStats) {
        await expect(call).rejects.toThrow(x.unimplemented.containerStats);
        return;
      }
      const { stats } = await call;
      expect(stats?.attributes?.id).toBe(ids.main);
      expect(stats?.cpu?.usageCoreNanoSeconds?.value).toBeGreaterThan(0n);
      expect(stats?.memory?.workingSetBytes).toBeDefined();
    });

    it(
      x.unimplemented.updateContainerResources
        ? 'UpdateContainerResources fails with the shim\'s "not implemented" error'
        : 'UpdateContainerResources changes the memory limit in the container cgroup',
      async () => {
        const limit = 64n * 1024n * 1024n;
        const call = cri.runtime.updateContainerResources({ containerId: ids.main!, linux: { memoryLimitInBytes: limit } });
        if (x.unimplemented.updateContainerResources) {
          await expect(call).rejects.toThrow(x.unimplemented.updateContainerResources);
          return;
        }
        await call;
        const pid = infoPid((await cri.runtime.containerStatus({ containerId: ids.main!, verbose: true })).info);
        const memLine = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:memory:/.test(l));
        const rel = memLine!.split(':').slice(2).join(':');
        expect(fs.readFileSync(path.join('/sys/fs/cgroup/memory', rel, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(limit));
      },
    );

    it('StopContainer: SIGTERM within the grace period, SIGKILL after it', async () => {
      await cri.runtime.stopContainer({ containerId: ids.main!, timeout: 30n });
      const main = await waitContainer(cri, ids.main!, exited, 'exited');
      expect(main.exitCode).toBe(7);
      expect((await waitLog(logOf('main'), (l) => l.some((e) => e.content === 'got-term'))).length).toBeGreaterThan(0);
      await cri.runtime.stopContainer({ containerId: ids.stubborn!, timeout: 1n });
      const stubborn = await waitContainer(cri, ids.stubborn!, exited, 'exited');
      expect({ code: stubborn.exitCode, reason: stubborn.reason }).toEqual({ code: 137, reason: 'Error' });
    });

    it('StopPodSandbox and RemovePodSandbox remove the pod, its containers and its shim', async () => {
      const shim = parentPid(infoPid((await cri.runtime.podSandboxStatus({ podSandboxId: podId, verbose: true })).info));
      await cri.runtime.stopPodSandbox({ podSandboxId: podId });
      const stopped = await cri.runtime.podSandboxStatus({ podSandboxId: podId });
      expect(stopped.status?.state).toBe(PodSandboxState.SANDBOX_NOTREADY);
      const states = (await cri.runtime.listContainers({ filter: { podSandboxId: podId } })).containers.map((c) => c.state);
      expect(states.every((s) => s === ContainerState.CONTAINER_EXITED)).toBe(true);
      await cri.runtime.removePodSandbox({ podSandboxId: podId });
      expect((await cri.runtime.listPodSandbox({ filter: { id: podId } })).items).toEqual([]);
      expect((await cri.runtime.listContainers({ filter: { podSandboxId: podId } })).containers).toEqual([]);
      await expect(cri.runtime.podSandboxStatus({ podSandboxId: podId })).rejects.toBeInstanceOf(CriError);
      expect(await waitGone(podId)).toEqual([]);
      expect(fs.existsSync(`/proc/${shim}`) && cmdline(shim).includes(podId)).toBe(false);
    });

    describe('bad input: the same CRI error class as runc, nothing leaked', () => {
      let badPlan: PodPlan;
      let badParent = '';
      afterAll(async () => {
        const failures = [...(await cleanupPods(cri)), ...(badParent ? await removeCgroupParent(badParent) : [])];
        if (badPlan) fs.rmSync(badPlan.logDirectory, { recursive: true, force: true });
        if (failures.length > 0) throw new Error(`CRI cleanup failed:\n${failures.join('\n')}`);
      }, CLEANUP_TIMEOUT_MS);

      it('an unknown runtime handler: RunPodSandbox fails, no pod is left', async () => {
        const name = uniqueId(`nohandler-${x.handler}`);
        const plan = podPlan({ name, cgroupParent: `/${name}-kubepods/besteffort/pod${name}`, network: NamespaceMode.NODE });
        const err = await cri.runtime.runPodSandbox({ config: plan.config, runtimeHandler: `${x.handler}-missing` }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(CriError);
        expect((err as CriError).code).toBe(grpcStatus.UNKNOWN);
        expect((err as CriError).details).toContain(`no runtime for "${x.handler}-missing" is configured`);
        const left = await cri.runtime.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.name': name } } });
        expect(left.items).toEqual([]);
      });

      it('a container whose command does not exist: StartContainer fails, status EXITED 128 StartError', async () => {
        const name = uniqueId(`bad-${x.handler}`);
        badParent = `/${name}-kubepods/besteffort/pod${name}`;
        badPlan = podPlan({ name, cgroupParent: badParent, network: NamespaceMode.NODE });
        fs.mkdirSync(badPlan.logDirectory, { recursive: true });
        const pod = (await cri.runtime.runPodSandbox({ config: badPlan.config, runtimeHandler: x.handler })).podSandboxId;
        const config = { ...shContainer(image, 'nocmd', ''), command: ['/no/such/command'] };
        const { containerId } = await cri.runtime.createContainer({ podSandboxId: pod, config, sandboxConfig: badPlan.config });
        const err = await cri.runtime.startContainer({ containerId }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(CriError);
        expect((err as CriError).code).toBe(grpcStatus.UNKNOWN);
        expect((err as CriError).details).toContain('/no/such/command');
        const st = await waitContainer(cri, containerId, exited, 'exited');
        expect({ code: st.exitCode, reason: st.reason }).toEqual({ code: 128, reason: 'StartError' });
        await cri.runtime.stopPodSandbox({ podSandboxId: pod });
        await cri.runtime.removePodSandbox({ podSandboxId: pod });
        expect(await waitGone(pod)).toEqual([]);
      });
    });

    describe('with its own network namespace (CNI bridge from start.sh)', () => {
      let netPlan: PodPlan;
      let netParent = '';
      afterAll(async () => {
        const failures = [...(await cleanupPods(cri)), ...(netParent ? await removeCgroupParent(netParent) : [])];
        if (netPlan) fs.rmSync(netPlan.logDirectory, { recursive: true, force: true });
        if (failures.length > 0) throw new Error(`CRI cleanup failed:\n${failures.join('\n')}`);
      }, CLEANUP_TIMEOUT_MS);

      it('gets an address on the private range; its containers share the network namespace over loopback', async () => {
        const bridge = parseEnvFile(fs.readFileSync(path.join(h.dir, 'env'), 'utf8')).CNI_BRIDGE ?? '';
        // start.sh configures CNI only when Debian's containernetworking-plugins are installed
        // (scripts/setup-host.d/cri.packages); without them this pod cannot start.
        expect(bridge).not.toBe('');
        const name = uniqueId(`net-${x.handler}`);
        netParent = `/${name}-kubepods/besteffort/pod${name}`;
        netPlan = podPlan({ name, cgroupParent: netParent, network: NamespaceMode.POD });
        fs.mkdirSync(netPlan.logDirectory, { recursive: true });
        const pod = (await cri.runtime.runPodSandbox({ config: netPlan.config, runtimeHandler: x.handler })).podSandboxId;
        const server = shContainer(
          image,
          'server',
          'mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www',
        );
        const client = shContainer(
          image,
          'client',
          "hostname; ip -4 addr show eth0 | sed -n 's/.*inet \\([0-9.]*\\).*/\\1/p'; until wget -qO- http://127.0.0.1:8080/index.html; do sleep 0.1; done",
        );
        for (const config of [server, client]) {
          const { containerId } = await cri.runtime.createContainer({ podSandboxId: pod, config, sandboxConfig: netPlan.config });
          await cri.runtime.startContainer({ containerId });
          if (config === client) {
            const st = await waitContainer(cri, containerId, exited, 'exited');
            expect(st.exitCode).toBe(0);
          }
        }
        const lines = (await waitLog(path.join(netPlan.logDirectory, 'client.log'), (l) => l.some((e) => e.content === 'hello-from-pod'))).map(
          (l) => l.content,
        );
        const status = await cri.runtime.podSandboxStatus({ podSandboxId: pod, verbose: true });
        const ip = status.status?.network?.ip ?? '';
        expect(ip).toMatch(/^10\.255\.0\.\d+$/);
        expect(lines).toEqual(['tsrun-pod', ip, 'hello-from-pod']);
        // containerd's verbose sandbox info: the runtime spec names the pod's network namespace.
        const spec = (JSON.parse(status.info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } } })
          .runtimeSpec;
        const netns = spec?.linux?.namespaces?.find((n) => n.type === 'network')?.path ?? '';
        expect(netns).toMatch(/^\//);
        await cri.runtime.stopPodSandbox({ podSandboxId: pod });
        await cri.runtime.removePodSandbox({ podSandboxId: pod });
        expect(await waitGone(pod)).toEqual([]);
        expect(fs.existsSync(netns)).toBe(false);
      });
    });

    describe('with a systemd-style cgroup parent and the cgroupfs driver', () => {
      let sdPlan: PodPlan;
      let sdParent = '';
      afterAll(async () => {
        const failures = [...(await cleanupPods(cri)), ...(sdParent ? await removeCgroupParent(sdParent) : [])];
        if (sdPlan) fs.rmSync(sdPlan.logDirectory, { recursive: true, force: true });
        if (failures.length > 0) throw new Error(`CRI cleanup failed:\n${failures.join('\n')}`);
      }, CLEANUP_TIMEOUT_MS);

      // containerd's CRI turns a parent ending in .slice into cgroupsPath
      // "<last slice>:cri-containerd:<id>" whatever the driver; runc's cgroupfs driver takes that as
      // one relative cgroup name below its own cgroup (the shim's), and so must every handler.
      it('runs the pod, its container lands in "<slice>:cri-containerd:<id>" below the shim\'s cgroup', async () => {
        const name = uniqueId(`sd-${x.handler}`);
        sdParent = `/${name}.slice/${name}-besteffort.slice`;
        sdPlan = podPlan({ name, cgroupParent: sdParent, network: NamespaceMode.NODE });
        fs.mkdirSync(sdPlan.logDirectory, { recursive: true });
        const pod = (await cri.runtime.runPodSandbox({ config: sdPlan.config, runtimeHandler: x.handler })).podSandboxId;
        const config = shContainer(image, 'cg', 'cat /proc/self/cgroup');
        const { containerId } = await cri.runtime.createContainer({ podSandboxId: pod, config, sandboxConfig: sdPlan.config });
        await cri.runtime.startContainer({ containerId });
        const status = await waitContainer(cri, containerId, exited, 'exited');
        expect(status.exitCode).toBe(0);
        const lines = (await waitLog(path.join(sdPlan.logDirectory, 'cg.log'), (l) => l.length > 0)).map((l) => l.content);
        const memory = lines.find((c) => /^\d+:memory:\//.test(c)) ?? '';
        const base = path.posix.basename(sdParent);
        const shim = parentPid(infoPid((await cri.runtime.podSandboxStatus({ podSandboxId: pod, verbose: true })).info));
        const shimMemory = fs.readFileSync(`/proc/${shim}/cgroup`, 'utf8').split('\n').find((c) => /^\d+:memory:\//.test(c)) ?? '';
        expect(memory).toBe(`${shimMemory.replace(/\/$/, '')}/${base}:cri-containerd:${containerId}`);
        await cri.runtime.stopPodSandbox({ podSandboxId: pod });
        await cri.runtime.removePodSandbox({ podSandboxId: pod });
        expect(await waitGone(pod)).toEqual([]);
      });
    });
  });
}
