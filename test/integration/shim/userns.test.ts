// The shim suite, user namespaces, id-mapped mounts, time namespaces, LSM fields and bad input:
// every case through io.containerd.runc.v2 (the reference) and io.containerd.tsrun.v1.
import { USERNS_CASES } from './cases/userns';
import { registerShimSuite } from './suite';

registerShimSuite('shim: user and time namespaces, id-mapped mounts, bad input', USERNS_CASES);
