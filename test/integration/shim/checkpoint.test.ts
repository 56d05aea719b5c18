// The shim suite, checkpoint/restore with CRIU: every case through io.containerd.runc.v2 (the
// reference) and io.containerd.tsrun.v1, on each selected containerd.
import { CHECKPOINT_CASES } from './cases/checkpoint';
import { registerShimSuite } from './suite';

registerShimSuite('shim: checkpoint and restore', CHECKPOINT_CASES);
