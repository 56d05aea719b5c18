// The shim suite, pause/resume, update and metrics: every case through io.containerd.runc.v2 (the
// reference) and io.containerd.tsrun.v1, on each selected containerd.
import { CONTROL_CASES } from './cases/control';
import { registerShimSuite } from './suite';

registerShimSuite('shim: pause, update, metrics', CONTROL_CASES);
