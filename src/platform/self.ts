//! How to start this program again (the shim's `start` spawns its daemon that way): the command
//! differs between the single executable and a script run by node.
//!
//! * Single executable: `process.execPath` alone. Node applies the sea-config's execArgv by itself;
//!   passing `process.execArgv` again would reach the program as ordinary arguments
//!   (measured: `containerd-shim-tsrun-v1 --max-semi-space-size=4 -namespace …`), and argv[1] is
//!   the name it was invoked under, not a script.
//! * Script (dist/…js, the launcher install): node, its V8 flags, then the script.
import * as sea from 'node:sea';

export interface SelfCommand {
  readonly file: string;
  /** arguments before the program's own arguments */
  readonly args: readonly string[];
}

export interface ProcessView {
  readonly singleExecutable: boolean;
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
}

/** Pure: the command for a given view of the process. */
export function selfCommandFor(p: ProcessView): SelfCommand {
  if (p.singleExecutable) return { file: p.execPath, args: [] };
  const script = p.argv[1];
  const isScript = script !== undefined && script !== p.execPath && /\.[cm]?js$/.test(script);
  return { file: p.execPath, args: [...p.execArgv, ...(isScript ? [script] : [])] };
}

/** The command that starts this program again; append the program's arguments to `args`. */
export function selfCommand(): SelfCommand {
  return selfCommandFor({ singleExecutable: sea.isSea(), execPath: process.execPath, execArgv: process.execArgv, argv: process.argv });
}
