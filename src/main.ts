//! Entry point of containerd-shim-tsrun-v1: dispatches the Go-style shim flags to src/shim.

import { shimMain } from './shim/main';

/**
 * Run the shim. `start`, `delete`, `-v` and `-info` end the process here (start still holds the
 * listening socket it handed to the daemon, so it must not wait for the event loop to drain);
 * the daemon keeps running and this resolves 0.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const code = await shimMain(argv);
  if (code !== undefined) process.exit(code);
  return 0;
}

// Run when started as a script (dist/main.js); src/entry.ts calls main() in the single executable.
if (require.main === module) void main(process.argv.slice(2));
