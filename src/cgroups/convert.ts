//! Value conversions from OCI's cgroup-v1-shaped resources to cgroup v2 files (pure). The formulas
//! are the ones runc and crun use, so a container gets the same v2 values whichever runtime runs it.

import { InvalidArgumentError } from '../errors';

/** cpu.shares (2..262144) → cpu.weight (1..10000); 0 means "not set". */
export function cpuSharesToWeight(shares: bigint | number): number {
  const n = BigInt(shares);
  if (n === 0n) return 0;
  const clamped = n < 2n ? 2n : n > 262144n ? 262144n : n;
  return 1 + Number(((clamped - 2n) * 9999n) / 262142n);
}

/** blkio.weight (10..1000) → io.weight (1..10000); 0 means "not set". */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  const clamped = Math.min(Math.max(weight, 10), 1000);
  return 1 + Math.floor(((clamped - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is memory+swap (a v1 memsw limit); v2's memory.swap.max is swap alone.
 * Returns the memory.swap.max value, or undefined when nothing is to be written.
 */
export function swapToV2(swap: bigint | undefined, limit: bigint | undefined): string | undefined {
  if (swap === undefined || swap === 0n) {
    // No swap setting: leave swap as it is.
    return undefined;
  }
  if (swap < 0n) return 'max';
  if (limit === undefined || limit <= 0n) {
    throw new InvalidArgumentError(
      'linux.resources.memory.swap: a swap limit needs a memory limit (set linux.resources.memory.limit, or swap to -1)',
    );
  }
  if (swap < limit) {
    throw new InvalidArgumentError(
      `linux.resources.memory.swap: ${swap} is memory+swap and must be >= linux.resources.memory.limit (${limit})`,
    );
  }
  return String(swap - limit);
}

/** A v1 limit value: -1 or any negative → "-1" (unlimited), else the number. */
export function v1Limit(n: bigint): string {
  return n < 0n ? '-1' : String(n);
}

/** A v2 limit value: negative → "max", else the number. */
export function v2Limit(n: bigint): string {
  return n < 0n ? 'max' : String(n);
}

/** cpu.max from quota/period: "max 100000" when there is no quota. */
export function cpuMax(quota: bigint | undefined, period: bigint | undefined): string | undefined {
  if (quota === undefined && period === undefined) return undefined;
  const q = quota === undefined || quota <= 0n ? 'max' : String(quota);
  const p = period === undefined || period === 0n ? 100000n : period;
  return `${q} ${p}`;
}

/** "2MB" / "1GB" / "64KB" → the kernel's hugetlb file size name, validated. */
export function hugepageSizeName(pageSize: string): string {
  if (!/^[0-9]+(KB|MB|GB)$/.test(pageSize)) {
    throw new InvalidArgumentError(
      `linux.resources.hugepageLimits[].pageSize: "${pageSize}" must look like "2MB" or "1GB" (number and KB/MB/GB)`,
    );
  }
  return pageSize;
}
