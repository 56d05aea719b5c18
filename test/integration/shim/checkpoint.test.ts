// The shim suite, checkpoint/restore with CRIU: every case through io.containerd.runc.v2 (the
// reference) and io.containerd.tsrun.v1, on each selected containerd; then the tsrun-only cases
// (no runc.v2 counterpart, see TSRUN_CHECKPOINT_CASES).
import { describeHarness } from '../../helpers/containerd';
import { CHECKPOINT_CASES, TSRUN_CHECKPOINT_CASES } from './cases/checkpoint';
import { registerShimSuite, runCase } from './suite';
import { runtimeLabel, TSRUN } from './support';

registerShimSuite('shim: checkpoint and restore', CHECKPOINT_CASES);

describeHarness('shim: checkpoint bad input (tsrun only)', (h) => {
  describe(runtimeLabel(TSRUN), () => {
    for (const c of TSRUN_CHECKPOINT_CASES) it(c.name, () => runCase(h, TSRUN, c), c.timeoutMs);
  });
});
