// Side by side, runc vs the installed tsrun: lifecycle parity (cases in cases-lifecycle.ts). Cases listed in
// known-failures.ts run in tsrun-known-failures.test.ts instead; everything else must pass here.
import { assertNoLeaks } from '../../helpers/leaks';
import { LIFECYCLE } from './cases-lifecycle';
import { describeCases, passingCases } from './suite';

jest.setTimeout(180_000);

describeCases(LIFECYCLE.title, 'lifecycle', passingCases(LIFECYCLE));

afterAll(async () => {
  await assertNoLeaks();
});
