//! containerd-shim-tsrun-v1: parse the Go-style flags and run `start`, `delete`, `-v`, `-info` or
//! the daemon. `start` and `delete` print only their result on stdout (containerd parses it) and
//! report failures on stderr with a non-zero exit.

import * as fs from 'node:fs';
import { parseFlags, type ShimFlags } from './flags';
import { BINARY_NAME } from './version';

function readStdin(): Uint8Array {
  try {
    return fs.readFileSync(0);
  } catch {
    return new Uint8Array();
  }
}

function writeOut(bytes: Uint8Array | string): void {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let off = 0;
  while (off < buf.length) off += fs.writeSync(1, buf, off, buf.length - off);
}

/** Run the shim; resolves with the exit code (undefined: keep running as daemon). */
export async function shimMain(argv: readonly string[]): Promise<number | undefined> {
  let flags: ShimFlags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`${BINARY_NAME}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    if (flags.version) {
      const { versionText } = await import('./info');
      writeOut(versionText());
      return 0;
    }
    if (flags.info) {
      const { runtimeInfo } = await import('./info');
      writeOut(runtimeInfo(readStdin()));
      return 0;
    }
    switch (flags.action) {
      case 'start': {
        const { runStart } = await import('./start');
        writeOut(await runStart(flags, readStdin()));
        return 0;
      }
      case 'delete': {
        const { runDelete } = await import('./delete-action');
        writeOut(await runDelete(flags, (m) => process.stderr.write(`${m}\n`)));
        return 0;
      }
      case 'serve': {
        const { runDaemon } = await import('./daemon');
        await runDaemon(flags);
        return undefined;
      }
    }
  } catch (err) {
    process.stderr.write(`${BINARY_NAME} ${flags.action}: ${(err as Error).message}\n`);
    return 1;
  }
}
