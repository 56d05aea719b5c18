// The shim suite, stress and failures: every case through io.containerd.runc.v2 (the reference)
// and io.containerd.tsrun.v1, on each selected containerd.
import { ROBUSTNESS_CASES } from './cases/robustness';
import { registerShimSuite } from './suite';

registerShimSuite('shim: parallel runs, restarts, crashes, bad input', ROBUSTNESS_CASES);
