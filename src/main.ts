//! Entry point of containerd-shim-tsrun-v1: dispatches the Go-style shim flags to src/shim.

export function main(argv: readonly string[]): number {
  if (argv.includes('-v') || argv.includes('--version') || argv.includes('-version')) {
    process.stdout.write('containerd-shim-tsrun-v1 (tsrun) 0.1.0\n');
    return 0;
  }
  process.stderr.write('tsrun: running containers is not implemented yet\n');
  return 1;
}

// Run when started as a script (dist/main.js); src/entry.ts calls main() in the single executable.
if (require.main === module) process.exitCode = main(process.argv.slice(2));
