// Side by side, runc vs the installed tsrun: what the container sees (cases in cases-sees.ts). Cases listed in
// known-failures.ts run in tsrun-known-failures.test.ts instead; everything else must pass here.
import { assertNoLeaks } from '../../helpers/leaks';
import { SEES } from './cases-sees';
import { describeCases, passingCases } from './suite';

jest.setTimeout(180_000);

describeCases(SEES.title, 'sees', passingCases(SEES));

afterAll(async () => {
  await assertNoLeaks();
});
