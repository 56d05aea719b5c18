//! Validation of linux.resources (cgroup limits): devices, memory, cpu, pids, blockIO,
//! hugepageLimits, network, rdma, unified. 64-bit fields come out as bigint (see spec.ts).

import type { HugepageLimit, LinuxBlockIO, LinuxCpu, LinuxMemory, LinuxNetwork, LinuxResources, ThrottleDevice, WeightDevice } from './spec';
import { readDeviceRules } from './validate-devices';
import { childPath, compact, I64_MAX, isCpuList, type Obj, show, SpecReader, U16_MAX, U32_MAX, U64_MAX } from './validate-read';

const PATH = 'linux.resources';
const LIMIT = { min: -1n, max: I64_MAX, expect: 'must be -1 (unlimited) or a byte count from 0 to 9223372036854775807' };
const U64 = { min: 0n, max: U64_MAX };
const I64_NONNEG_OR_UNLIMITED = { min: -1n, max: I64_MAX, expect: 'must be -1 (unlimited) or an integer from 0 to 9223372036854775807' };
const DEVICE_NUMBER = { min: 0, max: U32_MAX, required: 'give the block device number' };

export function readResources(r: SpecReader, linux: Obj): LinuxResources | undefined {
  const res = r.objectField(linux, 'resources', 'linux');
  if (res === undefined) return undefined;
  return compact<LinuxResources>({
    devices: readDeviceRules(r, res, PATH),
    memory: readMemory(r, res),
    cpu: readCpu(r, res),
    pids: readPids(r, res),
    blockIO: readBlockIO(r, res),
    hugepageLimits: readHugepages(r, res),
    network: readNetwork(r, res),
    rdma: r.map(res, 'rdma', PATH, (v, path) => {
      const o = r.object(v, path);
      if (o === undefined) return undefined;
      const hcaHandles = r.int(o, 'hcaHandles', path, { min: 0, max: U32_MAX });
      const hcaObjects = r.int(o, 'hcaObjects', path, { min: 0, max: U32_MAX });
      if (hcaHandles === undefined && hcaObjects === undefined) r.issue(path, 'sets no limit; give hcaHandles, hcaObjects or both');
      return compact({ hcaHandles, hcaObjects });
    }),
    unified: r.map(res, 'unified', PATH, (v, path, key) => {
      if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key) || key.includes('..')) {
        r.issue(path, 'is not a cgroup v2 file name; use "<controller>.<file>", e.g. "memory.high" (no "/")');
        return undefined;
      }
      return r.stringValue(v, path, { required: 'use a string value, e.g. "max"' });
    }),
  });
}

function readMemory(r: SpecReader, res: Obj): LinuxMemory | undefined {
  const path = `${PATH}.memory`;
  const m = r.objectField(res, 'memory', PATH);
  if (m === undefined) return undefined;
  const limit = r.int64(m, 'limit', path, LIMIT);
  const swap = r.int64(m, 'swap', path, LIMIT);
  const swappiness = r.int64(m, 'swappiness', path, U64);
  // Docker sends -1 as uint64 (all ones) to mean "not set"; the kernel accepts 0..100.
  if (swappiness !== undefined && swappiness > 100n && swappiness !== U64_MAX) {
    r.issue(childPath(path, 'swappiness'), `must be from 0 to 100, not ${swappiness}`);
  }
  if (limit !== undefined && swap !== undefined && limit > 0n && swap > 0n && swap < limit) {
    r.issue(childPath(path, 'swap'), `${swap} is below memory.limit ${limit}; swap is the memory+swap total, so set it to at least the limit, or -1 for unlimited`);
  }
  return compact<LinuxMemory>({
    limit,
    reservation: r.int64(m, 'reservation', path, LIMIT),
    swap,
    kernel: r.int64(m, 'kernel', path, LIMIT),
    kernelTCP: r.int64(m, 'kernelTCP', path, LIMIT),
    swappiness: swappiness === U64_MAX ? undefined : swappiness,
    disableOOMKiller: r.boolean(m, 'disableOOMKiller', path),
    useHierarchy: r.boolean(m, 'useHierarchy', path),
    checkBeforeUpdate: r.boolean(m, 'checkBeforeUpdate', path),
  });
}

function readCpu(r: SpecReader, res: Obj): LinuxCpu | undefined {
  const path = `${PATH}.cpu`;
  const c = r.objectField(res, 'cpu', PATH);
  if (c === undefined) return undefined;
  const list = (key: string): string | undefined => {
    const s = r.string(c, key, path);
    if (s === undefined || s === '' || isCpuList(s)) return s || undefined;
    return r.issue(childPath(path, key), `${show(s)} is not a list; write it like "0-3,7"`);
  };
  const quota = r.int64(c, 'quota', path, I64_NONNEG_OR_UNLIMITED);
  const period = r.int64(c, 'period', path, U64);
  if (period !== undefined && period !== 0n && (period < 1000n || period > 1_000_000n)) {
    r.issue(childPath(path, 'period'), `${period} is outside what the kernel accepts; use 1000 to 1000000 microseconds (default 100000)`);
  }
  const burst = r.int64(c, 'burst', path, U64);
  if (burst !== undefined && quota !== undefined && quota > 0n && burst > quota) {
    r.issue(childPath(path, 'burst'), `${burst} is above quota ${quota}; burst must be no larger than the quota`);
  }
  return compact<LinuxCpu>({
    shares: r.int64(c, 'shares', path, U64),
    quota,
    burst,
    period,
    realtimeRuntime: r.int64(c, 'realtimeRuntime', path, I64_NONNEG_OR_UNLIMITED),
    realtimePeriod: r.int64(c, 'realtimePeriod', path, U64),
    cpus: list('cpus'),
    mems: list('mems'),
    idle: r.int64(c, 'idle', path, { min: 0n, max: 1n, expect: 'must be 0 or 1' }),
  });
}

function readPids(r: SpecReader, res: Obj): LinuxResources['pids'] {
  const p = r.objectField(res, 'pids', PATH);
  if (p === undefined) return undefined;
  return compact({ limit: r.int64(p, 'limit', `${PATH}.pids`, I64_NONNEG_OR_UNLIMITED) });
}

function readBlockIO(r: SpecReader, res: Obj): LinuxBlockIO | undefined {
  const path = `${PATH}.blockIO`;
  const b = r.objectField(res, 'blockIO', PATH);
  if (b === undefined) return undefined;
  const weight = { min: 0, max: U16_MAX, expect: 'must be a weight from 10 to 1000 (0 leaves it unset)' };
  const checkWeight = (v: number | undefined, p: string): number | undefined => {
    if (v !== undefined && v !== 0 && (v < 10 || v > 1000)) return r.issue(p, `must be a weight from 10 to 1000 (0 leaves it unset), not ${v}`);
    return v;
  };
  const weightDevice = r.array(b, 'weightDevice', path, (item, p) => {
    const d = r.object(item, p);
    if (d === undefined) return undefined;
    const major = r.int(d, 'major', p, DEVICE_NUMBER);
    const minor = r.int(d, 'minor', p, DEVICE_NUMBER);
    const w = checkWeight(r.int(d, 'weight', p, weight), childPath(p, 'weight'));
    const lw = checkWeight(r.int(d, 'leafWeight', p, weight), childPath(p, 'leafWeight'));
    if (w === undefined && lw === undefined && d.weight == null && d.leafWeight == null) r.issue(p, 'sets no weight; give weight, leafWeight or both');
    if (major === undefined || minor === undefined) return undefined;
    return compact<WeightDevice>({ major, minor, weight: w, leafWeight: lw });
  });
  const throttle = (key: string): ThrottleDevice[] | undefined =>
    r.array(b, key, path, (item, p) => {
      const d = r.object(item, p);
      if (d === undefined) return undefined;
      const major = r.int(d, 'major', p, DEVICE_NUMBER);
      const minor = r.int(d, 'minor', p, DEVICE_NUMBER);
      const rate = r.int64(d, 'rate', p, { ...U64, required: 'give the limit per second' });
      return major === undefined || minor === undefined || rate === undefined ? undefined : { major, minor, rate };
    });
  return compact<LinuxBlockIO>({
    weight: checkWeight(r.int(b, 'weight', path, weight), childPath(path, 'weight')),
    leafWeight: checkWeight(r.int(b, 'leafWeight', path, weight), childPath(path, 'leafWeight')),
    weightDevice,
    throttleReadBpsDevice: throttle('throttleReadBpsDevice'),
    throttleWriteBpsDevice: throttle('throttleWriteBpsDevice'),
    throttleReadIOPSDevice: throttle('throttleReadIOPSDevice'),
    throttleWriteIOPSDevice: throttle('throttleWriteIOPSDevice'),
  });
}

function readHugepages(r: SpecReader, res: Obj): HugepageLimit[] | undefined {
  return r.array(res, 'hugepageLimits', PATH, (item, path) => {
    const h = r.object(item, path);
    if (h === undefined) return undefined;
    const pageSize = r.string(h, 'pageSize', path, { required: 'give the page size, e.g. "2MB"' });
    if (pageSize !== undefined && !/^[1-9]\d*[KMGTP]B$/.test(pageSize)) {
      r.issue(childPath(path, 'pageSize'), `${show(pageSize)} is not a hugepage size; write it like "64KB", "2MB" or "1GB"`);
    }
    const limit = r.int64(h, 'limit', path, { ...U64, required: 'give the limit in bytes' });
    return pageSize === undefined || limit === undefined ? undefined : { pageSize, limit };
  });
}

function readNetwork(r: SpecReader, res: Obj): LinuxNetwork | undefined {
  const path = `${PATH}.network`;
  const n = r.objectField(res, 'network', PATH);
  if (n === undefined) return undefined;
  return compact<LinuxNetwork>({
    classID: r.int(n, 'classID', path, { min: 0, max: U32_MAX }),
    priorities: r.array(n, 'priorities', path, (item, p) => {
      const o = r.object(item, p);
      if (o === undefined) return undefined;
      const name = r.string(o, 'name', p, { required: 'give the interface name, e.g. "eth0"' });
      const priority = r.int(o, 'priority', p, { min: 0, max: U32_MAX, required: 'give the priority' });
      return name === undefined || priority === undefined ? undefined : { name, priority };
    }),
  });
}
