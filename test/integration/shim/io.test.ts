// The shim suite, output and stdin: every case through io.containerd.runc.v2 (the reference)
// and io.containerd.tsrun.v1, on each selected containerd.
import { IO_CASES } from './cases/io';
import { registerShimSuite } from './suite';

registerShimSuite('shim: output, exit codes, signals, stdin', IO_CASES);
