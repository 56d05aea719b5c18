//! Assertions over a pair of runs: a section normalized the same way for both runtimes must be
//! equal, and the runc side must have run (exit status, a section present) before tsrun is judged.
import { reconcileMounts } from './differences';
import { formatMountShape, mountinfoShape, replaceAll } from './normalize';
import { describeRt } from './runtimes';
import { CaseRun, Pair } from './side-by-side';

/** A section of one run, normalized (ids and bundle paths replaced); throws if it is missing. */
export function section(run: CaseRun, name: string): string {
  const s = run.sections[name];
  if (s === undefined) {
    throw new Error(`${run.runtime}: the probe printed no "${name}" section\n${describeRt(run.result)}`);
  }
  return replaceAll(s, run.reps);
}

/** Mount shapes of a run's "mountinfo" section as one line per mount. */
export function mountLines(run: CaseRun): string[] {
  return mountinfoShape(section(run, 'mountinfo'), run.reps).map(formatMountShape);
}

/** mountLines with the legitimate differences of differences.ts reconciled. */
export function comparableMountLines(run: CaseRun): string[] {
  return reconcileMounts(mountinfoShape(section(run, 'mountinfo'), run.reps)).map(formatMountShape);
}

/** The value `view` derives from each run; tsrun's must equal runc's (jest shows the diff). */
export function expectSame<T>(p: Pair<CaseRun>, what: string, view: (r: CaseRun) => T): T {
  const runc = view(p.runc);
  const tsrun = view(p.tsrun);
  expect({ [what]: tsrun }).toEqual({ [what]: runc });
  return runc;
}

/** Normalized sections of one run (mountinfo as reconciled mount shapes), for one comparison of them all. */
export function sectionsView(run: CaseRun, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = n === 'mountinfo' ? comparableMountLines(run) : section(run, n);
  return out;
}

/** All `names` sections compared at once (the diff shows every differing section). */
export function expectSameSections(p: Pair<CaseRun>, names: readonly string[]): void {
  expect(sectionsView(p.tsrun, names)).toEqual(sectionsView(p.runc, names));
}

/** Fails with runc's output unless runc exited `code` (proves the reference side of a case). */
export function expectRuncExit(p: Pair<CaseRun>, code: number): void {
  if (p.runc.result.code !== code) throw new Error(`runc: expected exit ${code}\n${describeRt(p.runc.result)}`);
}

/** Fails with tsrun's output unless tsrun exited `code`. */
export function expectTsrunExit(p: Pair<CaseRun>, code: number): void {
  if (p.tsrun.result.code !== code) throw new Error(`tsrun: expected exit ${code}\n${describeRt(p.tsrun.result)}`);
}
