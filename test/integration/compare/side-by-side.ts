//! The side-by-side driver: one case = one bundle edit + one probe, run with `runc run` and with
//! the installed `tsrun run` on separate but identical bundles (same config except the id in the
//! cgroup path), returning both containers' reports with the per-run values (id, bundle path)
//! listed for normalization. Containers are force-deleted after every test; bundles are removed
//! when nothing is mounted below them any more.
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir, uniqueId } from '../../helpers/env';
import { mountsUnder } from '../../helpers/leaks';
import { Bundle, BundleOptions, makeBundle } from './bundle';
import { Replacements } from './normalize';
import { parseSections, probeScript, ProbeOptions } from './probe';
import { describeRt, rt, RtOptions, RtResult, Runtime, RuntimeName, RUNTIME_NAMES, runtimesUnder } from './runtimes';

/** Commands the runtimes get to finish before being killed (well below the jest timeout). */
export const RT_TIMEOUT_MS = 30_000;

export interface CaseRun {
  readonly runtime: RuntimeName;
  readonly id: string;
  readonly bundle: Bundle;
  readonly result: RtResult;
  /** The probe's sections (empty when the case ran no probe). */
  readonly sections: Record<string, string>;
  /** Values unique to this run → placeholders (<ID>, <BUNDLE>). */
  readonly reps: Replacements;
}

export type Pair<T> = Record<RuntimeName, T>;

export interface CaseSpec {
  /** Short label, part of the container id ([A-Za-z0-9.-]). */
  readonly name: string;
  readonly edit?: BundleOptions['edit'];
  readonly prepare?: BundleOptions['prepare'];
  readonly noRootfs?: boolean;
  readonly keepAmbient?: boolean;
  /** Probe script as process.args (sh -c …); without it process.args stays as `edit` left it. */
  readonly probe?: ProbeOptions | ((c: Bundle['config']) => ProbeOptions);
  /** Runtime arguments after `run` (default: --bundle DIR ID). */
  readonly runArgs?: (bundleDir: string, id: string) => string[];
}

export class SideBySide {
  readonly base: string;
  readonly runtimes: Pair<Runtime>;
  private readonly created: { r: Runtime; id: string }[] = [];

  constructor(label: string) {
    this.base = fs.mkdtempSync(path.join(scratchDir(), `compare-${label}-`));
    // mkdtemp makes it 0700; a container in a user namespace (mapped root) must traverse it.
    fs.chmodSync(this.base, 0o755);
    this.runtimes = runtimesUnder(this.base);
  }

  /** Where runtime output files go. */
  get outDir(): string {
    return path.join(this.base, 'out');
  }

  /** A fresh id (harness scope, so leak checks find leftovers) remembered for cleanup on `r`. */
  newId(r: Runtime, label: string): string {
    const id = uniqueId(`${label}-${r.name}`);
    this.created.push({ r, id });
    return id;
  }

  /** A bundle for `r` under this suite's dir. */
  bundle(id: string, opts: Omit<BundleOptions, 'id'>): Bundle {
    return makeBundle(path.join(this.base, id), { ...opts, id });
  }

  /** `<runtime> --root … args` with the suite's timeout. */
  rt(r: Runtime, args: readonly string[], opts: RtOptions = {}): Promise<RtResult> {
    return rt(r, args, this.outDir, { timeoutMs: RT_TIMEOUT_MS, ...opts });
  }

  /** Runs one case on one runtime (`run` in the foreground; output = what the container printed). */
  async runOne(name: RuntimeName, spec: CaseSpec): Promise<CaseRun> {
    const r = this.runtimes[name];
    const id = this.newId(r, spec.name);
    const bundle = this.bundle(id, {
      noRootfs: spec.noRootfs,
      keepAmbient: spec.keepAmbient,
      prepare: spec.prepare,
      edit: (c, b) => {
        spec.edit?.(c, b);
        if (spec.probe) {
          const p = typeof spec.probe === 'function' ? spec.probe(c) : spec.probe;
          c.process.args = ['sh', '-c', probeScript(p)];
        }
      },
    });
    const args = spec.runArgs ? spec.runArgs(bundle.dir, id) : ['--bundle', bundle.dir, id];
    const result = await this.rt(r, ['run', ...args]);
    return {
      runtime: name,
      id,
      bundle,
      result,
      sections: spec.probe ? parseSections(result.stdout) : {},
      reps: [
        [bundle.dir, '<BUNDLE>'],
        [id, '<ID>'],
      ],
    };
  }

  /** The case on runc, then on tsrun. */
  async runBoth(spec: CaseSpec): Promise<Pair<CaseRun>> {
    const out: Partial<Pair<CaseRun>> = {};
    for (const name of RUNTIME_NAMES) out[name] = await this.runOne(name, spec);
    return out as Pair<CaseRun>;
  }

  /** Runs `fn` on runc, then on tsrun; returns both results. */
  async onBoth<T>(fn: (r: Runtime) => Promise<T>): Promise<Pair<T>> {
    const out: Partial<Pair<T>> = {};
    for (const name of RUNTIME_NAMES) out[name] = await fn(this.runtimes[name]);
    return out as Pair<T>;
  }

  /** Force-deletes every container created so far (both runtimes); returns failures. */
  async deleteAll(): Promise<string[]> {
    const failures: string[] = [];
    for (const { r, id } of this.created.splice(0)) {
      const res = await this.rt(r, ['delete', '--force', id]);
      if (res.code !== 0 && !/does not exist|not exist/.test(res.stderr)) failures.push(describeRt(res));
    }
    return failures;
  }

  /** Deletes the containers, then removes the suite's dir unless something is still mounted below it. */
  async dispose(): Promise<void> {
    const failures = await this.deleteAll();
    const mounts = mountsUnder(this.base);
    if (mounts.length === 0) fs.rmSync(this.base, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`delete --force failed:\n${failures.join('\n')}`);
  }
}

/** Throws with both runs' output unless both exited with `code`. */
export function expectBothExit(p: Pair<CaseRun>, code: number): void {
  for (const n of RUNTIME_NAMES) {
    if (p[n].result.code !== code) throw new Error(`expected exit ${code}; ${describeRt(p[n].result)}`);
  }
}
