// The shim suite, container configuration: every case through io.containerd.runc.v2 (the
// reference) and io.containerd.tsrun.v1, on each selected containerd.
import { CONFIG_CASES } from './cases/config';
import { registerShimSuite } from './suite';

registerShimSuite('shim: configuration and limits', CONFIG_CASES);
