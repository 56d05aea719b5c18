//! The Docker suite with Docker's default runtime runc (io.containerd.runc.v2): the reference for
//! tsrun.test.ts.
import { describeDocker } from './docker-suite';

describeDocker({ runtime: 'runc', shimCommand: /(^|\/)containerd-shim-runc-v2 / });
