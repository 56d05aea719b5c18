// Seeded fuzz runs of Task request decoding and the server's handler path (big run: `make fuzz`).
import { runSeeded } from '../../fuzz/target';
import { taskDecode, taskServer } from '../../fuzz/task';

jest.setTimeout(120_000);

test('task v2/v3 request codecs: an Error or a message that re-encodes to itself', () => runSeeded(taskDecode, 2000));
test('Task calls through Server handlers: typed statuses only, server stays up', () => runSeeded(taskServer, 600));
