//! Command-line flags of containerd-shim-tsrun-v1, parsed with Go `flag` package semantics because
//! containerd builds the command line for Go shims: `-name value`, `-name=value`, `--name`, bool
//! flags without a value, parsing stops at the first non-flag word (the action) or after `--`.

import { InvalidArgumentError } from '../errors';

/** What the process was asked to do. `serve` is the private daemon mode (no action word). */
export type ShimAction = 'start' | 'delete' | 'serve';

export interface ShimFlags {
  readonly namespace: string;
  readonly address: string;
  readonly publishBinary: string;
  readonly id: string;
  readonly bundle: string;
  readonly socket: string;
  readonly debug: boolean;
  readonly version: boolean;
  readonly info: boolean;
  readonly action: ShimAction;
}

type StringFlag = 'namespace' | 'address' | 'publishBinary' | 'id' | 'bundle' | 'socket';
type BoolFlag = 'debug' | 'version' | 'info';

const STRING_FLAGS: ReadonlyMap<string, StringFlag> = new Map([
  ['namespace', 'namespace'],
  ['address', 'address'],
  ['publish-binary', 'publishBinary'],
  ['id', 'id'],
  ['bundle', 'bundle'],
  ['socket', 'socket'],
]);

const BOOL_FLAGS: ReadonlyMap<string, BoolFlag> = new Map([
  ['debug', 'debug'],
  ['v', 'version'],
  ['version', 'version'],
  ['info', 'info'],
]);

const ACTIONS: ReadonlyMap<string, ShimAction> = new Map([
  ['start', 'start'],
  ['delete', 'delete'],
]);

/** Go's strconv.ParseBool. */
function parseBool(name: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidArgumentError(`invalid boolean value "${value}" for -${name}: use true or false`);
}

/**
 * Parse the shim's argv (without node and script). Throws InvalidArgumentError with Go's wording
 * for an undefined flag, a missing value, bad syntax or an unknown action.
 */
export function parseFlags(argv: readonly string[]): ShimFlags {
  const strings: Record<StringFlag, string> = {
    namespace: '', address: '', publishBinary: '', id: '', bundle: '', socket: '',
  };
  const bools: Record<BoolFlag, boolean> = { debug: false, version: false, info: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.length < 2 || !arg.startsWith('-')) break;
    if (arg === '--') {
      i++;
      break;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      throw new InvalidArgumentError(`bad flag syntax: ${arg}`);
    }
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const boolKey = BOOL_FLAGS.get(name);
    const stringKey = STRING_FLAGS.get(name);
    if (boolKey !== undefined) {
      bools[boolKey] = inline === undefined ? true : parseBool(name, inline);
    } else if (stringKey !== undefined) {
      if (inline !== undefined) {
        strings[stringKey] = inline;
      } else if (i + 1 < argv.length) {
        strings[stringKey] = argv[++i] as string;
      } else {
        throw new InvalidArgumentError(`flag needs an argument: -${name}`);
      }
    } else {
      throw new InvalidArgumentError(`flag provided but not defined: -${name}`);
    }
  }
  const word = argv[i];
  let action: ShimAction = 'serve';
  if (word !== undefined) {
    const known = ACTIONS.get(word);
    if (known === undefined) {
      throw new InvalidArgumentError(`unknown action "${word}": use start or delete`);
    }
    action = known;
  }
  return { ...strings, ...bools, action };
}
