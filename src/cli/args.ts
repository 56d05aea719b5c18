//! Pure parsing of runc-style command lines: global flags, a command word, the command's flags,
//! then positional arguments (flags are not parsed after the first positional, as in runc, so
//! `tsrun kill ctr -9` style input reaches the command intact; `--` also ends flags).

import { InvalidArgumentError } from '../errors';
import { CHECKPOINT_FLAGS, RESTORE_FLAGS } from './checkpoint-flags';
import { UPDATE_FLAGS } from './update-flags';

/** Bad command line: printed with the command's usage; exit status 1 (3 for an unknown command, as runc). */
export class UsageError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly command?: CommandDef,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface FlagDef {
  readonly name: string;
  readonly short?: string;
  /** boolean flags take no value; string flags take the next word or `=value`. */
  readonly type: 'boolean' | 'string';
  readonly default?: string | boolean;
  /** repeatable string flag: the values are joined with NUL (split with listFlag) */
  readonly multi?: boolean;
}

export type FlagValues = Record<string, string | boolean | undefined>;

export const GLOBAL_FLAGS: readonly FlagDef[] = [
  { name: 'root', type: 'string', default: '/run/tsrun' },
  { name: 'log', type: 'string' },
  { name: 'log-format', type: 'string', default: 'text' },
  { name: 'debug', type: 'boolean' },
  { name: 'systemd-cgroup', type: 'boolean' },
  { name: 'criu', type: 'string' },
  { name: 'rootless', type: 'string' },
  { name: 'version', short: 'v', type: 'boolean' },
  { name: 'help', short: 'h', type: 'boolean' },
];

const CREATE_FLAGS: readonly FlagDef[] = [
  { name: 'bundle', short: 'b', type: 'string' },
  { name: 'console-socket', type: 'string' },
  { name: 'pid-file', type: 'string' },
  { name: 'no-pivot', type: 'boolean' },
  { name: 'no-new-keyring', type: 'boolean' },
  { name: 'preserve-fds', type: 'string', default: '0' },
  { name: 'help', short: 'h', type: 'boolean' },
];

export interface CommandDef {
  readonly name: string;
  readonly usage: string;
  readonly flags: readonly FlagDef[];
  /** Minimum and maximum positional args (max -1: unbounded). */
  readonly args: readonly [number, number];
}

export const COMMANDS: readonly CommandDef[] = [
  { name: 'create', usage: 'create [command options] <container-id>', flags: CREATE_FLAGS, args: [1, 1] },
  {
    name: 'run',
    usage: 'run [command options] <container-id>',
    flags: [...CREATE_FLAGS, { name: 'detach', short: 'd', type: 'boolean' }, { name: 'keep', type: 'boolean' }],
    args: [1, 1],
  },
  { name: 'start', usage: 'start <container-id>', flags: [{ name: 'help', short: 'h', type: 'boolean' }], args: [1, 1] },
  { name: 'state', usage: 'state <container-id>', flags: [{ name: 'help', short: 'h', type: 'boolean' }], args: [1, 1] },
  {
    name: 'kill',
    usage: 'kill [command options] <container-id> [signal]',
    flags: [{ name: 'all', short: 'a', type: 'boolean' }, { name: 'help', short: 'h', type: 'boolean' }],
    args: [1, 2],
  },
  {
    name: 'delete',
    usage: 'delete [command options] <container-id>',
    flags: [{ name: 'force', short: 'f', type: 'boolean' }, { name: 'help', short: 'h', type: 'boolean' }],
    args: [1, 1],
  },
  {
    name: 'list',
    usage: 'list [command options]',
    flags: [
      { name: 'format', short: 'f', type: 'string', default: 'table' },
      { name: 'quiet', short: 'q', type: 'boolean' },
      { name: 'help', short: 'h', type: 'boolean' },
    ],
    args: [0, 0],
  },
  {
    name: 'ps',
    usage: 'ps [command options] <container-id> [ps options]',
    flags: [{ name: 'format', short: 'f', type: 'string', default: 'table' }, { name: 'help', short: 'h', type: 'boolean' }],
    args: [1, -1],
  },
  { name: 'pause', usage: 'pause <container-id>', flags: [{ name: 'help', short: 'h', type: 'boolean' }], args: [1, 1] },
  { name: 'resume', usage: 'resume <container-id>', flags: [{ name: 'help', short: 'h', type: 'boolean' }], args: [1, 1] },
  { name: 'update', usage: 'update [command options] <container-id>', flags: UPDATE_FLAGS, args: [1, 1] },
  {
    name: 'events',
    usage: 'events [command options] <container-id>',
    flags: [
      { name: 'interval', type: 'string', default: '5s' },
      { name: 'stats', type: 'boolean' },
      { name: 'help', short: 'h', type: 'boolean' },
    ],
    args: [1, 1],
  },
  {
    name: 'spec',
    usage: 'spec [command options]',
    flags: [
      { name: 'bundle', short: 'b', type: 'string' },
      { name: 'rootless', type: 'boolean' },
      { name: 'help', short: 'h', type: 'boolean' },
    ],
    args: [0, 0],
  },
  {
    name: 'exec',
    usage: 'exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>',
    flags: [
      { name: 'console-socket', type: 'string' },
      { name: 'cwd', type: 'string' },
      { name: 'env', short: 'e', type: 'string', multi: true },
      { name: 'tty', short: 't', type: 'boolean' },
      { name: 'user', short: 'u', type: 'string' },
      { name: 'additional-gids', short: 'g', type: 'string', multi: true },
      { name: 'process', short: 'p', type: 'string' },
      { name: 'detach', short: 'd', type: 'boolean' },
      { name: 'pid-file', type: 'string' },
      { name: 'process-label', type: 'string' },
      { name: 'apparmor', type: 'string' },
      { name: 'no-new-privs', type: 'boolean' },
      { name: 'cap', short: 'c', type: 'string', multi: true },
      { name: 'preserve-fds', type: 'string', default: '0' },
      { name: 'ignore-paused', type: 'boolean' },
      { name: 'help', short: 'h', type: 'boolean' },
    ],
    args: [1, -1],
  },
  { name: 'features', usage: 'features', flags: [{ name: 'help', short: 'h', type: 'boolean' }], args: [0, 0] },
  { name: 'checkpoint', usage: 'checkpoint [command options] <container-id>', flags: CHECKPOINT_FLAGS, args: [1, 1] },
  { name: 'restore', usage: 'restore [command options] <container-id>', flags: RESTORE_FLAGS, args: [1, 1] },
];

/** Parse leading flags of `words` against `defs`; returns the values and the index of the first non-flag. */
export function parseFlags(words: readonly string[], defs: readonly FlagDef[], where: string): { values: FlagValues; rest: string[] } {
  const values: FlagValues = {};
  for (const d of defs) values[d.name] = d.default;
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    const long = w.startsWith('--');
    const body = long ? w.slice(2) : w.slice(1);
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    // urfave/cli accepts -name and --name for long names; single-letter names are shorts.
    const def = defs.find((d) => d.name === key || d.short === key);
    if (!def) throw new UsageError(`flag provided but not defined: ${where}-${key}`);
    if (def.type === 'boolean') {
      if (eq >= 0) {
        const v = body.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new InvalidArgumentError(`invalid boolean value "${v}" for -${key}`);
        values[def.name] = v === 'true';
      } else {
        values[def.name] = true;
      }
    } else {
      const v = eq >= 0 ? body.slice(eq + 1) : words[i + 1];
      if (v === undefined) throw new InvalidArgumentError(`flag needs an argument: -${key}`);
      if (eq < 0) i++;
      const prev = values[def.name];
      values[def.name] = def.multi === true && typeof prev === 'string' ? `${prev}\0${v}` : v;
    }
  }
  return { values, rest: words.slice(i) };
}

export interface ParsedCommandLine {
  readonly global: FlagValues;
  /** undefined when only global flags were given (e.g. --version). */
  readonly command?: CommandDef;
  readonly flags: FlagValues;
  readonly args: readonly string[];
}

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const { values: global, rest } = parseFlags(argv, GLOBAL_FLAGS, '');
  const word = rest[0];
  if (word === undefined) return { global, flags: {}, args: [] };
  const command = COMMANDS.find((c) => c.name === word);
  if (!command) throw new UsageError(`No help topic for '${word}'`, undefined, 3);
  const { values: flags, rest: args } = parseFlags(rest.slice(1), command.flags, '');
  if (flags.help) return { global, command, flags, args };
  const [min, max] = command.args;
  if (args.length < min || (max >= 0 && args.length > max)) {
    const bound = args.length < min ? (min === max ? `exactly ${min}` : `a minimum of ${min}`) : min === max ? `exactly ${max}` : `a maximum of ${max}`;
    throw new UsageError(`tsrun: "${command.name}" requires ${bound} argument(s)`, command);
  }
  return { global, command, flags, args };
}

/** The values of a repeatable (multi) string flag. */
export function listFlag(v: string | boolean | undefined): string[] {
  return typeof v === 'string' ? v.split('\0') : [];
}
