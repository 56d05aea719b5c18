import * as fc from 'fast-check';
import { DeleteResponse } from '../../../src/gen/runtime/task/v2/shim';
import { encodeDeleteResponse } from '../../../src/shim/delete-response';
import { timestampOf } from '../../../src/shim/events';

describe('encodeDeleteResponse (hand-written, for the delete action)', () => {
  it('is byte for byte what the generated encoder writes', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 0, max: 4102444800000 }),
        (pid, exitStatus, ms) => {
          const at = new Date(ms);
          const ours = Buffer.from(encodeDeleteResponse(pid, exitStatus, at));
          const generated = Buffer.from(DeleteResponse.encode({ pid, exitStatus, exitedAt: timestampOf(at) }).finish());
          expect(ours.toString('hex')).toBe(generated.toString('hex'));
        },
      ),
    );
  });

  it('decodes with the generated decoder', () => {
    const at = new Date('2026-12-01T12:00:00.123Z');
    const decoded = DeleteResponse.decode(encodeDeleteResponse(4321, 137, at));
    expect(decoded.pid).toBe(4321);
    expect(decoded.exitStatus).toBe(137);
    expect(decoded.exitedAt).toEqual(timestampOf(at));
  });
});
