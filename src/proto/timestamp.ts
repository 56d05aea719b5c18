//! google.protobuf.Timestamp conversions. containerd decodes timestamps into Go time.Time, whose zero
//! value ("not set", "not exited") is 0001-01-01T00:00:00Z = seconds -62135596800. The runc shim always
//! sends exited_at, using that zero time while a process runs; an omitted field decodes to the same
//! zero time, but never send seconds 0, which means 1970. Event envelopes need a real (non-zero) time.

import type { Timestamp } from '../gen/google/protobuf/timestamp';

/** Seconds of Go's zero time.Time (0001-01-01T00:00:00Z) relative to the Unix epoch. */
export const GO_ZERO_TIME_SECONDS = -62135596800n;

const NS_PER_SECOND = 1_000_000_000n;

/** Go's zero time as a Timestamp: what to send in exited_at for a process that has not exited. */
export function goZeroTimestamp(): Timestamp {
  return { seconds: GO_ZERO_TIME_SECONDS, nanos: 0 };
}

/** True for an absent timestamp and for Go's zero time (both mean "unset" to containerd). */
export function isZeroTimestamp(ts: Timestamp | undefined | null): boolean {
  return ts == null || (ts.seconds === GO_ZERO_TIME_SECONDS && ts.nanos === 0);
}

/** Timestamp for `ns` nanoseconds since the Unix epoch (negative allowed; nanos stays in [0, 1e9)). */
export function timestampFromNanos(ns: bigint): Timestamp {
  let seconds = ns / NS_PER_SECOND;
  let rest = ns % NS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NS_PER_SECOND;
  }
  return { seconds, nanos: Number(rest) };
}

/** Nanoseconds since the Unix epoch for `ts`. */
export function timestampToNanos(ts: Timestamp): bigint {
  return ts.seconds * NS_PER_SECOND + BigInt(ts.nanos);
}

/** Timestamp of a Date (millisecond precision). */
export function timestampFromDate(date: Date): Timestamp {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('timestampFromDate: invalid Date');
  return timestampFromNanos(BigInt(ms) * 1_000_000n);
}

/** Date of a Timestamp (truncated to milliseconds). */
export function timestampToDate(ts: Timestamp): Date {
  const ns = timestampToNanos(ts);
  // Floor division so that times before 1970 round towards the past, like the nanos field does.
  const ms = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
  return new Date(Number(ms));
}

/** The current wall-clock time (millisecond precision). `now` is injectable for tests. */
export function nowTimestamp(now: () => number = Date.now): Timestamp {
  return timestampFromNanos(BigInt(now()) * 1_000_000n);
}

/** exited_at for a process: its exit time, or Go's zero time while it has not exited. */
export function exitedAtTimestamp(exitedAt: Date | bigint | undefined | null): Timestamp {
  if (exitedAt == null) return goZeroTimestamp();
  return typeof exitedAt === 'bigint' ? timestampFromNanos(exitedAt) : timestampFromDate(exitedAt);
}
