//! The `delete` action's DeleteResponse (containerd.task.v2.DeleteResponse: pid = 1, exit_status = 2,
//! exited_at = 3 as google.protobuf.Timestamp {seconds = 1, nanos = 2}) encoded by hand, so the
//! delete path does not load the generated Task API module and the protobuf runtime (measured:
//! ~12 ms of a cold start). test/unit/shim/delete-response.test.ts checks it byte for byte
//! against the generated encoder.

function varint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Encodes DeleteResponse; zero fields are omitted (proto3), as the generated encoder does. */
export function encodeDeleteResponse(pid: number, exitStatus: number, exitedAt: Date): Uint8Array {
  const ms = exitedAt.getTime();
  const seconds = BigInt(Math.floor(ms / 1000));
  const nanos = (ms - Number(seconds) * 1000) * 1_000_000;
  const ts: number[] = [];
  if (seconds !== 0n) {
    ts.push(0x08);
    varint(ts, seconds);
  }
  if (nanos !== 0) {
    ts.push(0x10);
    varint(ts, BigInt(nanos));
  }
  const out: number[] = [];
  if (pid !== 0) {
    out.push(0x08);
    varint(out, BigInt(pid >>> 0));
  }
  if (exitStatus !== 0) {
    out.push(0x10);
    varint(out, BigInt(exitStatus >>> 0));
  }
  out.push(0x1a);
  varint(out, BigInt(ts.length));
  out.push(...ts);
  return Uint8Array.from(out);
}
