// The shim suite, edge cases of exec/start/resize/closeIO: every case through io.containerd.runc.v2
// (the reference) and io.containerd.tsrun.v1, on each selected containerd.
import { EDGE_CASES } from './cases/edges';
import { registerShimSuite } from './suite';

registerShimSuite('shim: exec and IO edge cases', EDGE_CASES);
