// The shim suite, exec: every case through io.containerd.runc.v2 (the reference) and
// io.containerd.tsrun.v1, on each selected containerd.
import { EXEC_CASES } from './cases/exec';
import { registerShimSuite } from './suite';

registerShimSuite('shim: exec', EXEC_CASES);
