//! Which program the single executable is being asked to be: `containerd-shim-tsrun-v1` and
//! `tsrun` are one binary. Pure; src/entry.ts acts on the answer.
import * as path from 'node:path';

export const SHIM_NAME = 'containerd-shim-tsrun-v1';
export const CLI_NAME = 'tsrun';
/** `containerd-shim-tsrun-v1 runtime ARGS…` runs the CLI without a link named tsrun. */
export const RUNTIME_SUBCOMMAND = 'runtime';
/** `containerd-shim-tsrun-v1 native-check`: load koffi and libtsrun.so, make one call, print where. */
export const NATIVE_CHECK_SUBCOMMAND = 'native-check';

export interface ProgramChoice {
  readonly program: 'shim' | 'cli' | 'native-check';
  /** The arguments for that program's main(), without the program name (and without `runtime`). */
  readonly args: readonly string[];
}

/**
 * Chooses by the name the binary was invoked under (argv[0]'s basename, so a symlink or hard link
 * named `tsrun` is the CLI), else by a leading `runtime` argument; `native-check` alone is the
 * installation check; everything else is the shim.
 */
export function chooseProgram(argv0: string, args: readonly string[]): ProgramChoice {
  if (path.basename(argv0) === CLI_NAME) return { program: 'cli', args };
  if (args[0] === RUNTIME_SUBCOMMAND) return { program: 'cli', args: args.slice(1) };
  if (args[0] === NATIVE_CHECK_SUBCOMMAND && args.length === 1) return { program: 'native-check', args: [] };
  return { program: 'shim', args };
}
