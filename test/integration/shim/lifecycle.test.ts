// The shim suite, task lifecycle and events: every case through io.containerd.runc.v2 (the
// reference) and io.containerd.tsrun.v1, on each selected containerd.
import { LIFECYCLE_CASES } from './cases/lifecycle';
import { registerShimSuite } from './suite';

registerShimSuite('shim: lifecycle and events', LIFECYCLE_CASES);
