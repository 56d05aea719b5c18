// The shim suite, terminals: every case through io.containerd.runc.v2 (the reference) and
// io.containerd.tsrun.v1, on each selected containerd.
import { TERMINAL_CASES } from './cases/terminal';
import { registerShimSuite } from './suite';

registerShimSuite('shim: terminals', TERMINAL_CASES);
