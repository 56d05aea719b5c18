//! The Docker suite with `--runtime tsrun` (daemon.json: "runtimes": {"tsrun": {"runtimeType":
//! "io.containerd.tsrun.v1"}}): the same cases and expectations as runc.test.ts.
import { describeDocker } from './docker-suite';

describeDocker({
  runtime: 'tsrun',
  // The installed launcher execs the pinned node on PREFIX/lib/tsrun/dist/entry.js (scripts/install.sh);
  // a single-executable build shows containerd-shim-tsrun-v1 itself.
  shimCommand: /(^|\/)containerd-shim-tsrun-v1 |\/lib\/tsrun\/dist\/entry\.js /,
});
