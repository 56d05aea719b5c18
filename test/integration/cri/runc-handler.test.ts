//! The CRI pod suite on runtime handler "runc" (io.containerd.runc.v2): the reference every tsrun
//! expectation is compared with.
import { describeCriPods } from './pod-suite';

describeCriPods({ handler: 'runc', shimCommand: /(^|\/)containerd-shim-runc-v2 /, unimplemented: {} });
