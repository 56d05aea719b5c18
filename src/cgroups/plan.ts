//! linux.resources → the ordered list of cgroup file writes for v1 or v2 (pure). The managers apply a
//! plan with file I/O; everything here is unit-tested without a cgroup tree.

import { InvalidArgumentError } from '../errors';
import type { DeviceCgroupRule, LinuxResources, ThrottleDevice } from '../runtime/spec';
import { blkioWeightToIoWeight, cpuMax, cpuSharesToWeight, hugepageSizeName, swapToV2, v1Limit, v2Limit } from './convert';

export interface CgroupWrite {
  /** v1: the controller whose hierarchy holds the file; v2: the controller to enable ("" for core files). */
  readonly controller: string;
  readonly file: string;
  readonly value: string;
  /** Tried when `file` does not exist (blkio.weight → blkio.bfq.weight, io.weight → io.bfq.weight). */
  readonly fallback?: { readonly file: string; readonly value: string };
  /** When the file is missing on this kernel, skip it with a warning instead of failing. */
  readonly optional?: boolean;
}

export interface CgroupPlan {
  readonly writes: readonly CgroupWrite[];
  /** Settings that this cgroup version cannot express; the manager logs them. */
  readonly warnings: readonly string[];
  /** v2 only: device rules, enforced by an eBPF program the manager attaches (device-filter.ts). */
  readonly unappliedDeviceRules: readonly DeviceCgroupRule[];
}

function deviceRuleLine(r: DeviceCgroupRule): string {
  const type = r.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) {
    throw new InvalidArgumentError(`linux.resources.devices[].type: "${type}" must be "a", "b" or "c"`);
  }
  const access = r.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access)) {
    throw new InvalidArgumentError(`linux.resources.devices[].access: "${access}" must be letters from "rwm"`);
  }
  if (type === 'a') return 'a';
  const num = (n: number | undefined) => (n === undefined || n < 0 ? '*' : String(n));
  return `${type} ${num(r.major)}:${num(r.minor)} ${access}`;
}

/** v1 device cgroup writes: each rule in order to devices.allow or devices.deny. */
export function planV1Devices(rules: readonly DeviceCgroupRule[]): CgroupWrite[] {
  return rules.map((r) => ({ controller: 'devices', file: r.allow ? 'devices.allow' : 'devices.deny', value: deviceRuleLine(r) }));
}

function throttleLines(devs: readonly ThrottleDevice[] | undefined): string[] {
  return (devs ?? []).map((d) => `${d.major}:${d.minor} ${d.rate}`);
}

function checkNonNegative(field: string, n: bigint | undefined): void {
  if (n !== undefined && n < 0n) {
    throw new InvalidArgumentError(`linux.resources.${field}: ${n} must be a non-negative integer`);
  }
}

function checkLimit(field: string, n: bigint | undefined): void {
  if (n !== undefined && n < -1n) {
    throw new InvalidArgumentError(`linux.resources.${field}: ${n} must be an integer, -1 for unlimited`);
  }
}

function validate(r: LinuxResources): void {
  checkLimit('memory.limit', r.memory?.limit);
  checkLimit('memory.reservation', r.memory?.reservation);
  checkLimit('memory.swap', r.memory?.swap);
  checkNonNegative('cpu.shares', r.cpu?.shares);
  checkLimit('cpu.quota', r.cpu?.quota);
  checkNonNegative('cpu.period', r.cpu?.period);
  checkLimit('pids.limit', r.pids?.limit);
  const sw = r.memory?.swappiness;
  if (sw !== undefined && sw !== -1n && (sw < 0n || sw > 100n)) {
    throw new InvalidArgumentError(`linux.resources.memory.swappiness: ${sw} must be 0..100`);
  }
  const w = r.blockIO?.weight;
  if (w !== undefined && w !== 0 && (w < 10 || w > 1000)) {
    throw new InvalidArgumentError(`linux.resources.blockIO.weight: ${w} must be 10..1000 (0: not set)`);
  }
}

/** cgroup v1: resources → writes, in an order the kernel accepts (period before quota, etc.). */
export function planV1(r: LinuxResources): CgroupPlan {
  validate(r);
  const writes: CgroupWrite[] = [];
  const warnings: string[] = [];
  const w = (controller: string, file: string, value: string, extra: Partial<CgroupWrite> = {}) =>
    writes.push({ controller, file, value, ...extra });

  const cpu = r.cpu;
  if (cpu) {
    if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus);
    if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems);
    if (cpu.shares) w('cpu', 'cpu.shares', String(cpu.shares));
    if (cpu.period) w('cpu', 'cpu.cfs_period_us', String(cpu.period));
    if (cpu.quota !== undefined && cpu.quota !== 0n) w('cpu', 'cpu.cfs_quota_us', v1Limit(cpu.quota));
    if (cpu.burst !== undefined) w('cpu', 'cpu.cfs_burst_us', String(cpu.burst));
    if (cpu.realtimePeriod) w('cpu', 'cpu.rt_period_us', String(cpu.realtimePeriod));
    if (cpu.realtimeRuntime) w('cpu', 'cpu.rt_runtime_us', String(cpu.realtimeRuntime));
    if (cpu.idle !== undefined) w('cpu', 'cpu.idle', String(cpu.idle));
  }
  const mem = r.memory;
  if (mem) {
    // The manager orders limit and memsw by the current memsw value (memsw must stay >= limit).
    if (mem.limit !== undefined && mem.limit !== 0n) w('memory', 'memory.limit_in_bytes', v1Limit(mem.limit));
    if (mem.swap !== undefined && mem.swap !== 0n) w('memory', 'memory.memsw.limit_in_bytes', v1Limit(mem.swap), { optional: mem.swap < 0n });
    if (mem.reservation !== undefined && mem.reservation !== 0n) w('memory', 'memory.soft_limit_in_bytes', v1Limit(mem.reservation));
    if (mem.kernel !== undefined) warnings.push('linux.resources.memory.kernel is deprecated and ignored (kernel memory is always accounted)');
    if (mem.kernelTCP !== undefined && mem.kernelTCP !== 0n) w('memory', 'memory.kmem.tcp.limit_in_bytes', v1Limit(mem.kernelTCP));
    if (mem.swappiness !== undefined && mem.swappiness !== -1n) w('memory', 'memory.swappiness', String(mem.swappiness));
    if (mem.disableOOMKiller) w('memory', 'memory.oom_control', '1');
  }
  if (r.pids?.limit !== undefined && r.pids.limit !== 0n) w('pids', 'pids.max', v2Limit(r.pids.limit));
  const bio = r.blockIO;
  if (bio) {
    if (bio.weight) w('blkio', 'blkio.weight', String(bio.weight), { fallback: { file: 'blkio.bfq.weight', value: String(bio.weight) } });
    if (bio.leafWeight) w('blkio', 'blkio.leaf_weight', String(bio.leafWeight));
    for (const d of bio.weightDevice ?? []) {
      if (d.weight) {
        const v = `${d.major}:${d.minor} ${d.weight}`;
        w('blkio', 'blkio.weight_device', v, { fallback: { file: 'blkio.bfq.weight_device', value: v } });
      }
      if (d.leafWeight) w('blkio', 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
    }
    for (const v of throttleLines(bio.throttleReadBpsDevice)) w('blkio', 'blkio.throttle.read_bps_device', v);
    for (const v of throttleLines(bio.throttleWriteBpsDevice)) w('blkio', 'blkio.throttle.write_bps_device', v);
    for (const v of throttleLines(bio.throttleReadIOPSDevice)) w('blkio', 'blkio.throttle.read_iops_device', v);
    for (const v of throttleLines(bio.throttleWriteIOPSDevice)) w('blkio', 'blkio.throttle.write_iops_device', v);
  }
  for (const h of r.hugepageLimits ?? []) {
    w('hugetlb', `hugetlb.${hugepageSizeName(h.pageSize)}.limit_in_bytes`, v1Limit(h.limit));
  }
  if (r.network?.classID !== undefined) w('net_cls', 'net_cls.classid', String(r.network.classID));
  for (const p of r.network?.priorities ?? []) w('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
  for (const [dev, l] of Object.entries(r.rdma ?? {})) {
    const parts = [dev];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${l.hcaObjects}`);
    w('rdma', 'rdma.max', parts.join(' '));
  }
  writes.push(...planV1Devices(r.devices ?? []));
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new InvalidArgumentError(
      'linux.resources.unified: cgroup v2 settings cannot be applied on a cgroup v1 host; remove them or run on a cgroup v2 host',
    );
  }
  return { writes, warnings, unappliedDeviceRules: [] };
}

/** cgroup v2: resources → writes (converted from v1 semantics), then linux.resources.unified on top. */
export function planV2(r: LinuxResources): CgroupPlan {
  validate(r);
  const writes: CgroupWrite[] = [];
  const warnings: string[] = [];
  const w = (controller: string, file: string, value: string, extra: Partial<CgroupWrite> = {}) =>
    writes.push({ controller, file, value, ...extra });

  const cpu = r.cpu;
  if (cpu) {
    if (cpu.cpus) w('cpuset', 'cpuset.cpus', cpu.cpus);
    if (cpu.mems) w('cpuset', 'cpuset.mems', cpu.mems);
    if (cpu.shares) w('cpu', 'cpu.weight', String(cpuSharesToWeight(cpu.shares)));
    const max = cpuMax(cpu.quota, cpu.period);
    if (max !== undefined) w('cpu', 'cpu.max', max);
    if (cpu.burst !== undefined) w('cpu', 'cpu.max.burst', String(cpu.burst));
    if (cpu.idle !== undefined) w('cpu', 'cpu.idle', String(cpu.idle));
    if (cpu.realtimePeriod || cpu.realtimeRuntime) {
      throw new InvalidArgumentError(
        'linux.resources.cpu.realtimePeriod/realtimeRuntime: cgroup v2 has no realtime CPU controller; remove them',
      );
    }
  }
  const mem = r.memory;
  if (mem) {
    if (mem.limit !== undefined && mem.limit !== 0n) w('memory', 'memory.max', v2Limit(mem.limit));
    const swap = swapToV2(mem.swap, mem.limit);
    if (swap !== undefined) w('memory', 'memory.swap.max', swap, { optional: swap === 'max' });
    if (mem.reservation !== undefined && mem.reservation !== 0n) w('memory', 'memory.low', v2Limit(mem.reservation));
    if (mem.kernel !== undefined) warnings.push('linux.resources.memory.kernel is not supported on cgroup v2 and is ignored');
    if (mem.kernelTCP !== undefined) warnings.push('linux.resources.memory.kernelTCP is not supported on cgroup v2 and is ignored');
    if (mem.swappiness !== undefined && mem.swappiness !== -1n) {
      warnings.push('linux.resources.memory.swappiness is not supported on cgroup v2 and is ignored');
    }
    if (mem.disableOOMKiller) {
      warnings.push('linux.resources.memory.disableOOMKiller is not supported on cgroup v2 and is ignored');
    }
  }
  if (r.pids?.limit !== undefined && r.pids.limit !== 0n) w('pids', 'pids.max', v2Limit(r.pids.limit));
  const bio = r.blockIO;
  if (bio) {
    if (bio.weight) {
      w('io', 'io.weight', String(blkioWeightToIoWeight(bio.weight)), { fallback: { file: 'io.bfq.weight', value: String(bio.weight) } });
    }
    if (bio.leafWeight) warnings.push('linux.resources.blockIO.leafWeight is not supported on cgroup v2 and is ignored');
    for (const d of bio.weightDevice ?? []) {
      if (d.weight) {
        w('io', 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, {
          fallback: { file: 'io.weight', value: `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}` },
        });
      }
    }
    const limits: [readonly ThrottleDevice[] | undefined, string][] = [
      [bio.throttleReadBpsDevice, 'rbps'],
      [bio.throttleWriteBpsDevice, 'wbps'],
      [bio.throttleReadIOPSDevice, 'riops'],
      [bio.throttleWriteIOPSDevice, 'wiops'],
    ];
    for (const [devs, key] of limits) {
      for (const d of devs ?? []) w('io', 'io.max', `${d.major}:${d.minor} ${key}=${d.rate === 0n ? 'max' : d.rate}`);
    }
  }
  for (const h of r.hugepageLimits ?? []) w('hugetlb', `hugetlb.${hugepageSizeName(h.pageSize)}.max`, v2Limit(h.limit));
  if (r.network?.classID !== undefined || (r.network?.priorities?.length ?? 0) > 0) {
    warnings.push('linux.resources.network is not supported on cgroup v2 (net_cls/net_prio) and is ignored');
  }
  for (const [dev, l] of Object.entries(r.rdma ?? {})) {
    const parts = [dev];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${l.hcaHandles}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${l.hcaObjects}`);
    w('rdma', 'rdma.max', parts.join(' '));
  }
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (key.includes('/') || key === '.' || key === '..' || !key.includes('.')) {
      throw new InvalidArgumentError(
        `linux.resources.unified: key "${key}" must be a cgroup file name such as "memory.high" (no "/")`,
      );
    }
    const controller = key.startsWith('cgroup.') ? '' : key.slice(0, key.indexOf('.'));
    w(controller, key, value);
  }
  return { writes, warnings, unappliedDeviceRules: r.devices ?? [] };
}

/** v2 controllers a plan needs enabled in the parents' cgroup.subtree_control. */
export function controllersOf(plan: CgroupPlan): string[] {
  return [...new Set(plan.writes.map((x) => x.controller).filter((c) => c !== ''))];
}
