// Seeded fuzz runs of the ttrpc transport (the big run is `make fuzz`; see test/fuzz/).
import { runSeeded } from '../../fuzz/target';
import { decoderBytes, decoderFrames, liveServer } from '../../fuzz/ttrpc';

jest.setTimeout(120_000);

test('frame decoder: whole frames split anywhere decode to themselves', () => runSeeded(decoderFrames, 1000));
test('frame decoder: arbitrary bytes split anywhere match a plain header walk', () => runSeeded(decoderBytes, 2000));
test('live server: mutated frame streams get defined answers and a clean close; another connection keeps working', () => runSeeded(liveServer, 600));
