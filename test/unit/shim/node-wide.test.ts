import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Options as CriOptions } from '../../../src/gen/types/runtimeoptions/v1/api';
import { socketAddress } from '../../../src/shim/address';
import { decodeShimOptions } from '../../../src/shim/runtime-options';
import {
  HANDOUT_GRACE_MS, NODE_WIDE_ENV, NODE_WIDE_GROUP, idleDecision, lockPathOf, nodeWideIdleSeconds, recordHandout, sinceHandout,
} from '../../../src/shim/node-wide';

const body = (toml: string) => ({
  typeUrl: 'runtimeoptions.v1.Options',
  value: Buffer.from(CriOptions.encode({ typeUrl: '', configPath: '', configBody: Buffer.from(toml) }).finish()),
});

describe('node-wide runtime options', () => {
  it('NodeWide and NodeWideIdleSeconds come from the options TOML; absent means per-pod', () => {
    expect(decodeShimOptions(body('NodeWide = true\nNodeWideIdleSeconds = 300\n'))).toMatchObject({ nodeWide: true, nodeWideIdleSeconds: 300 });
    expect(decodeShimOptions(body('NodeWide = false\n')).nodeWide).toBeUndefined();
    expect(decodeShimOptions(body('SystemdCgroup = false\n')).nodeWide).toBeUndefined();
  });

  it('rejects wrong types naming the key', () => {
    expect(() => decodeShimOptions(body('NodeWide = "yes"\n'))).toThrow(/NodeWide must be true or false/);
    expect(() => decodeShimOptions(body('NodeWideIdleSeconds = -1\n'))).toThrow(/NodeWideIdleSeconds must be an integer >= 0/);
    expect(() => decodeShimOptions(body('NodeWideIdleSeconds = "60"\n'))).toThrow(/NodeWideIdleSeconds must be an integer >= 0/);
  });
});

describe('node-wide daemon', () => {
  it('one socket per containerd address and namespace, whatever the pod', () => {
    const a = socketAddress('/run/containerd/containerd.sock', 'k8s.io', NODE_WIDE_GROUP);
    expect(socketAddress('/run/containerd/containerd.sock', 'k8s.io', NODE_WIDE_GROUP)).toBe(a);
    expect(socketAddress('/run/containerd/containerd.sock', 'default', NODE_WIDE_GROUP)).not.toBe(a);
    expect(lockPathOf('/run/containerd/s/abc')).toBe('/run/containerd/s/abc.lock');
  });

  it('stays with containers, waits out a recent handout, else exits', () => {
    expect(idleDecision(1, Infinity)).toEqual({ kind: 'stay' });
    expect(idleDecision(0, 0)).toEqual({ kind: 'retry', afterMs: HANDOUT_GRACE_MS + 100 });
    expect(idleDecision(0, HANDOUT_GRACE_MS - 1000)).toEqual({ kind: 'retry', afterMs: 1100 });
    expect(idleDecision(0, HANDOUT_GRACE_MS)).toEqual({ kind: 'exit' });
    expect(idleDecision(0, Infinity)).toEqual({ kind: 'exit' });
  });

  it('the handout time is the lock file mtime', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-nw-'));
    try {
      const lock = path.join(dir, 'x.lock');
      expect(sinceHandout(lock)).toBe(Infinity);
      fs.writeFileSync(lock, '');
      recordHandout(lock, new Date(5_000_000));
      expect(sinceHandout(lock, 5_003_000)).toBe(3000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the daemon is node-wide only with a numeric idle setting in its environment', () => {
    expect(nodeWideIdleSeconds({})).toBeUndefined();
    expect(nodeWideIdleSeconds({ [NODE_WIDE_ENV]: '60' })).toBe(60);
    expect(nodeWideIdleSeconds({ [NODE_WIDE_ENV]: 'x' })).toBeUndefined();
  });
});
