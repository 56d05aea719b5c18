//! Entry point of the runc-compatible `tsrun` command line.

export function main(argv: readonly string[]): number {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write('tsrun version 0.1.0\n');
    return 0;
  }
  process.stderr.write('tsrun: no commands are implemented yet\n');
  return 1;
}

// Run when started as a script (dist/cli.js); src/entry.ts calls main() in the single executable.
if (require.main === module) process.exitCode = main(process.argv.slice(2));
