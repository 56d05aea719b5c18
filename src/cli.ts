//! Entry point of the runc-compatible `tsrun` command line.

import { COMMANDS, parseCommandLine, UsageError } from './cli/args';
import { commands } from './cli/commands';
import { cliErrorText } from './cli/error-text';
import { CliLog } from './cli/log';

export const VERSION = '0.1.0';
const SPEC_VERSION = '1.3.0';

function usage(): string {
  return [
    'NAME:',
    '   tsrun - Open Container Initiative runtime written in TypeScript',
    '',
    'USAGE:',
    '   tsrun [global options] command [command options] [arguments...]',
    '',
    'COMMANDS:',
    ...COMMANDS.map((c) => `   ${c.usage}`),
    '',
    'GLOBAL OPTIONS:',
    '   --root value         root directory for storage of container state (default: "/run/tsrun")',
    '   --log value          set the log file to write tsrun logs to (default: stderr)',
    '   --log-format value   set the log format ("text" (default), or "json")',
    '   --debug              enable debug logging',
    '   --systemd-cgroup     interpret cgroupsPath as "slice:prefix:name"',
    '   --version, -v        print the version',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let log = new CliLog(undefined, 'text', false);
  try {
    const cmd = parseCommandLine(argv);
    const format = cmd.global['log-format'];
    if (format !== 'text' && format !== 'json') throw new UsageError(`unknown log-format "${String(format)}": use text or json`);
    log = new CliLog(typeof cmd.global.log === 'string' ? cmd.global.log : undefined, format, cmd.global.debug === true);
    if (cmd.global.version === true) {
      process.stdout.write(`tsrun version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return 0;
    }
    if (!cmd.command || cmd.global.help === true || cmd.flags.help === true) {
      process.stdout.write(cmd.command ? `USAGE:\n   tsrun ${cmd.command.usage}\n` : usage());
      return 0;
    }
    const run = commands[cmd.command.name];
    if (!run) throw new UsageError(`No help topic for '${cmd.command.name}'`, undefined, 3);
    log.debug({ argv: argv.join(' ') }, 'command');
    return await run({
      cmd,
      log,
      root: typeof cmd.global.root === 'string' ? cmd.global.root : '/run/tsrun',
      out: (text) => process.stdout.write(text),
      version: VERSION,
    });
  } catch (err) {
    log.fatal(cliErrorText(err));
    if (err instanceof UsageError) {
      if (err.command) process.stderr.write(`\nUSAGE:\n   tsrun ${err.command.usage}\n`);
      return err.exitCode;
    }
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`tsrun: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
