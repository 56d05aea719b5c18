// Shim cases that fail today through io.containerd.tsrun.v1 (see known-failures.ts for each
// failure: expected vs actual, probable cause). They run here, tsrun only, so the failures stay
// visible while io/lifecycle/config/robustness.test.ts hold the passing set.
import { describeHarness } from '../../helpers/containerd';
import { CONFIG_CASES } from './cases/config';
import { IO_CASES } from './cases/io';
import { LIFECYCLE_CASES } from './cases/lifecycle';
import { ROBUSTNESS_CASES } from './cases/robustness';
import { TSRUN_KNOWN_FAILURES } from './known-failures';
import { isKnownTsrunFailure, runCase } from './suite';
import { TSRUN } from './support';

const ALL = [...IO_CASES, ...LIFECYCLE_CASES, ...CONFIG_CASES, ...ROBUSTNESS_CASES];
const failing = ALL.filter(isKnownTsrunFailure);

describeHarness('shim: known tsrun failures', (h) => {
  it('lists only cases that exist', () => {
    const names = new Set(ALL.map((c) => c.name));
    expect(Object.keys(TSRUN_KNOWN_FAILURES).filter((n) => !names.has(n))).toEqual([]);
  });
  for (const c of failing) {
    it(`tsrun: ${c.name}`, () => runCase(h, TSRUN, c), c.timeoutMs);
  }
});
