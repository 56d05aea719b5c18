//! Cases as data: each group of side-by-side cases (what the container sees, lifecycle, refusals)
//! is a list of named cases; a test file registers a group's cases with describeCases(). Every
//! case runs in exactly one file: the group's own file, or tsrun-known-failures.test.ts when it is
//! listed in known-failures.ts (a tsrun bug another branch has to fix). Nothing is skipped.
import { assertNoLeaks } from '../../helpers/leaks';
import { SideBySide } from './side-by-side';
import { KNOWN_TSRUN_FAILURES, KnownFailure } from './known-failures';

export interface Case {
  /** The test title; known-failures.ts refers to cases by group and this name. */
  readonly name: string;
  readonly run: (sbs: SideBySide) => Promise<void>;
}

export type Group = 'sees' | 'lifecycle' | 'negative' | 'bad-input' | 'userns';

export interface CaseGroup {
  readonly group: Group;
  /** describe() title. */
  readonly title: string;
  readonly cases: readonly Case[];
}

/** Every known failure must name an existing case (a stale entry fails loudly). */
export function checkKnownFailures(groups: readonly CaseGroup[], known: readonly KnownFailure[] = KNOWN_TSRUN_FAILURES): void {
  for (const k of known) {
    const g = groups.find((x) => x.group === k.group);
    if (!g || !g.cases.some((c) => c.name === k.caseName)) {
      throw new Error(`known-failures.ts names a case that does not exist: ${k.group} / "${k.caseName}"`);
    }
  }
}

/** The group's cases that are expected to pass with tsrun (not in known-failures.ts). */
export function passingCases(g: CaseGroup, known: readonly KnownFailure[] = KNOWN_TSRUN_FAILURES): Case[] {
  return g.cases.filter((c) => !known.some((k) => k.group === g.group && k.caseName === c.name));
}

/** The group's cases listed in known-failures.ts, with their entries. */
export function failingCases(g: CaseGroup, known: readonly KnownFailure[] = KNOWN_TSRUN_FAILURES): { c: Case; k: KnownFailure }[] {
  const out: { c: Case; k: KnownFailure }[] = [];
  for (const c of g.cases) {
    const k = known.find((x) => x.group === g.group && x.caseName === c.name);
    if (k) out.push({ c, k });
  }
  return out;
}

/**
 * describe(title) with a SideBySide of its own: containers force-deleted and the harness's leak
 * check run after every test (also when it failed), bundles removed after the block. The caller
 * adds assertNoLeaks() at file level too (for what the block's teardown might leave).
 */
export function describeCases(title: string, label: string, cases: readonly Case[]): void {
  describe(title, () => {
    let sbs: SideBySide | undefined;
    beforeAll(() => {
      sbs = new SideBySide(label);
    });
    afterEach(async () => {
      const failures = (await sbs?.deleteAll()) ?? [];
      if (failures.length > 0) throw new Error(failures.join('\n'));
      // Per case, so a leak is blamed on the case that left it (and cleaned before the next one).
      await assertNoLeaks();
    });
    afterAll(async () => {
      await sbs?.dispose();
    });
    for (const c of cases) {
      it(c.name, async () => {
        if (!sbs) throw new Error('SideBySide was not set up (beforeAll failed)');
        await c.run(sbs);
      });
    }
  });
}
