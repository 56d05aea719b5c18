// Run a busybox container through the runtime API and collect its output (integration tests).
import net from 'node:net';
import { buildPlan, type PlanContext } from '../../src/runtime/plan';
import type { Spec } from '../../src/runtime/spec';
import { closeFd, hostCapLast, pipe2, spawnContainer, type SpawnedProcess } from '../../src/linux';
import type { Bundle } from './busybox-bundle';

/** a pipe whose read end is collected into a string */
export class Capture {
  readonly writeFd: number;
  readonly text: Promise<string>;
  private writeOpen = true;
  constructor() {
    const [r, w] = pipe2();
    this.writeFd = w;
    const sock = new net.Socket({ fd: r, readable: true, writable: false });
    const chunks: Buffer[] = [];
    this.text = new Promise((resolve) => {
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }
  closeWrite(): void {
    if (this.writeOpen) {
      this.writeOpen = false;
      closeFd(this.writeFd);
    }
  }
}

export interface RunResult {
  readonly status: number;
  readonly signal?: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function planFor(bundle: Bundle, spec: Spec, out: Capture, err: Capture, extra: Partial<PlanContext> = {}) {
  return buildPlan(spec, {
    id: 'test', rootfs: bundle.rootfs, bundle: bundle.dir, hostCapLast: hostCapLast(),
    stdio: { stdin: -1, stdout: out.writeFd, stderr: err.writeFd }, start: { kind: 'pipe' }, ...extra,
  });
}

/** create + start + wait; `during` runs between start and exit (e.g. to send a signal) */
export async function runContainer(
  bundle: Bundle, spec: Spec, extra: Partial<PlanContext> = {}, during?: (p: SpawnedProcess) => Promise<void> | void,
): Promise<RunResult> {
  const out = new Capture();
  const err = new Capture();
  try {
    const p = await spawnContainer(planFor(bundle, spec, out, err, extra));
    out.closeWrite();
    err.closeWrite();
    await p.start();
    await during?.(p);
    const s = await p.exited;
    return { ...s, stdout: await out.text, stderr: await err.text };
  } finally {
    out.closeWrite();
    err.closeWrite();
  }
}
