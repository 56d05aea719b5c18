//! Entry point of containerd-shim-tsrun-v1: dispatches the Go-style shim flags to src/shim.

import { shimMain } from './shim/main';

void shimMain(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exit(code);
});
