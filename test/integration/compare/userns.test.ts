// Side by side, runc vs the installed tsrun: user namespaces (cases in cases-userns.ts). Cases
// listed in known-failures.ts run in tsrun-known-failures.test.ts instead.
import { assertNoLeaks } from '../../helpers/leaks';
import { USERNS } from './cases-userns';
import { describeCases, passingCases } from './suite';

jest.setTimeout(180_000);

describeCases(USERNS.title, 'userns', passingCases(USERNS));

afterAll(async () => {
  await assertNoLeaks();
});
