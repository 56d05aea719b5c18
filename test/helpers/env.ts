//! The integration test environment: what global-setup.ts prepared for this jest run (paths, the
//! installed tsrun, the image, the private containerds) and per-worker unique names.
import * as fs from 'fs';
import * as path from 'path';

export type ContainerdVersion = '1.6' | '1.7';
export const CONTAINERD_VERSIONS: readonly ContainerdVersion[] = ['1.6', '1.7'];

/** A private containerd started by scripts/containerd/start.sh for this run. */
export interface ContainerdHandle {
  readonly version: ContainerdVersion;
  /** As the daemon reports it, e.g. 1.6.20~ds1. */
  readonly fullVersion: string;
  readonly pid: number;
  /** Holds root/, state/, config.toml, containerd.log, the sockets. */
  readonly dir: string;
  /** gRPC socket (ctr --address). */
  readonly address: string;
  /** The daemon's ttrpc socket (events Forward, shim publishing). */
  readonly ttrpcAddress: string;
  readonly config: string;
  readonly log: string;
  /** The ctr of the same version. */
  readonly ctr: string;
  /** PATH containerd and its shims run with (installed tsrun first). */
  readonly path: string;
  /** containerd namespace the tests use; the image is imported there. */
  readonly namespace: string;
}

export interface ImageInfo {
  /** localhost/tsrun/busybox:latest */
  readonly ref: string;
  /** OCI layout tar (ctr images import). */
  readonly tar: string;
  /** The same tree unpacked; read-only for tests: copy or overlay it, never write into it. */
  readonly rootfs: string;
  /** Manifest digest, sha256:... */
  readonly digest: string;
}

export interface TestEnv {
  /** Repository root. */
  readonly repo: string;
  /** Short token unique to this jest run; part of every uniqueId(). */
  readonly runId: string;
  /** Temp dir of this run (/tmp/tsrun-test-...): containerd dirs, install prefix, scratch. */
  readonly tmpDir: string;
  /** `make install PREFIX=` of this run; bin/ holds containerd-shim-tsrun-v1 and tsrun. */
  readonly prefix: string;
  readonly binDir: string;
  /** Where tests put ctr's IO FIFOs (ctr run --fifo-dir). */
  readonly fifoDir: string;
  readonly image: ImageInfo;
  /** The containerds selected by TSRUN_CONTAINERD (1.6, 1.7 or both), in that order. */
  readonly containerds: readonly ContainerdHandle[];
}

/** Environment variable naming the JSON file global-setup.ts wrote. */
export const ENV_FILE_VAR = 'TSRUN_TEST_ENV';

/** Parses TSRUN_CONTAINERD: "1.6", "1.7", "both" or unset (both). */
export function selectedVersions(value: string | undefined): ContainerdVersion[] {
  const v = (value ?? '').trim();
  if (v === '' || v === 'both') return [...CONTAINERD_VERSIONS];
  if (v === '1.6' || v === '1.7') return [v];
  throw new Error(`TSRUN_CONTAINERD must be 1.6, 1.7 or both, not '${v}'`);
}

/** Parses the KEY=VALUE lines start.sh writes to DIR/env. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

let cached: TestEnv | undefined;

/** The environment of this jest run; throws outside the integration project. */
export function testEnv(): TestEnv {
  if (cached) return cached;
  const file = process.env[ENV_FILE_VAR];
  if (!file) {
    throw new Error(
      `${ENV_FILE_VAR} is not set: testEnv() works in the integration project only, whose global setup ` +
        '(test/helpers/global-setup.ts) prepares it; run scripts/run-tests.sh --selectProjects integration',
    );
  }
  cached = JSON.parse(fs.readFileSync(file, 'utf8')) as TestEnv;
  return cached;
}

/** The jest worker this code runs in (1 when in band). */
export function workerId(): string {
  return process.env.JEST_WORKER_ID ?? '1';
}

/**
 * Prefix of every name this worker creates (container ids, cgroups, mount points): leak checks
 * look for it, so workers running at the same time never see each other's objects.
 */
export function workerScope(runId: string = testEnv().runId): string {
  return `tsrun-test-${runId}-${workerId()}-`;
}

let counter = 0;

/** A name unique within the machine for this run: tsrun-test-<run>-<worker>-<n>[-label]. */
export function uniqueId(label?: string): string {
  counter += 1;
  const id = `${workerScope()}${counter}${label ? `-${label}` : ''}`;
  if (!/^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/.test(id) || id.length > 76) {
    throw new Error(`uniqueId: label '${label}' makes '${id}' an invalid containerd id (letters, digits, . _ -; max 76)`);
  }
  return id;
}

/** This worker's scratch directory under the run's temp dir (created on first use). */
export function scratchDir(): string {
  const dir = path.join(testEnv().tmpDir, `scratch-${workerId()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
