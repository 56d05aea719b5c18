//! The CRI pod suite on runtime handler "tsrun" (io.containerd.tsrun.v1, our shim): the same pod,
//! containers and checks as runc-handler.test.ts. CRI calls whose Task API method the shim does not
//! implement yet would be listed in `unimplemented` and must fail cleanly (no hang, no dead shim, the
//! pod still stops and is removed); Exec, Stats and Update have landed, so the runc expectations apply.
import { describeCriPods } from './pod-suite';

describeCriPods({
  handler: 'tsrun',
  // The installed launcher execs the pinned node on PREFIX/lib/tsrun/dist/entry.js (scripts/install.sh);
  // a single-executable build would show containerd-shim-tsrun-v1 itself.
  shimCommand: /(^|\/)containerd-shim-tsrun-v1 |\/lib\/tsrun\/dist\/entry\.js /,
  unimplemented: {},
});
