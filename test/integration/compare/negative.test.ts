// Side by side, runc vs the installed tsrun: refusals and mounts through symlinks (cases in cases-negative.ts). Cases listed in
// known-failures.ts run in tsrun-known-failures.test.ts instead; everything else must pass here.
import { assertNoLeaks } from '../../helpers/leaks';
import { NEGATIVE } from './cases-negative';
import { describeCases, passingCases } from './suite';

jest.setTimeout(180_000);

describeCases(NEGATIVE.title, 'negative', passingCases(NEGATIVE));

afterAll(async () => {
  await assertNoLeaks();
});
