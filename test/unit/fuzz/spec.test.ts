// Seeded fuzz runs of validateSpec + buildPlan/buildProcessPlan (big run: `make fuzz`).
import { runSeeded } from '../../fuzz/target';
import { specFixtures, specJson } from '../../fuzz/spec';

jest.setTimeout(120_000);

test('arbitrary JSON: typed errors or plain-data plans', () => runSeeded(specJson, 1500));
test('mutated real configs through parseBundleConfig: typed errors or plain-data plans', () => runSeeded(specFixtures, 1000));
