// Side-by-side cases that fail with tsrun today because of bugs on other branches (see
// known-failures.ts for each case's expected vs actual behaviour and probable cause). They are
// not skipped: they run here, fail, and move back to their group's file when the fix lands.
import { assertNoLeaks } from '../../helpers/leaks';
import { BAD_INPUT } from './cases-bad-input';
import { LIFECYCLE } from './cases-lifecycle';
import { NEGATIVE } from './cases-negative';
import { SEES } from './cases-sees';
import { USERNS } from './cases-userns';
import { checkKnownFailures, describeCases, failingCases } from './suite';

jest.setTimeout(180_000);

const groups = [SEES, LIFECYCLE, NEGATIVE, BAD_INPUT, USERNS];

describe('known tsrun failures', () => {
  it('every entry of known-failures.ts names an existing case', () => {
    checkKnownFailures(groups);
  });
});

for (const g of groups) {
  const failing = failingCases(g);
  if (failing.length === 0) continue;
  describeCases(
    `KNOWN TSRUN FAILURE — ${g.title}`,
    `known-${g.group}`,
    failing.map(({ c, k }) => ({ name: `${c.name} [tsrun bug: ${k.actual}]`, run: c.run })),
  );
}

afterAll(async () => {
  await assertNoLeaks();
});
