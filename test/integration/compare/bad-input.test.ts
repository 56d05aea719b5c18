// Side by side, runc vs the installed tsrun: bad input refused with the field named (cases in
// cases-bad-input.ts). Cases listed in known-failures.ts run in tsrun-known-failures.test.ts instead.
import { assertNoLeaks } from '../../helpers/leaks';
import { BAD_INPUT } from './cases-bad-input';
import { describeCases, passingCases } from './suite';

jest.setTimeout(180_000);

describeCases(BAD_INPUT.title, 'bad-input', passingCases(BAD_INPUT));

afterAll(async () => {
  await assertNoLeaks();
});
