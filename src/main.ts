//! Entry point of containerd-shim-tsrun-v1: dispatches the Go-style shim flags to src/shim.

function main(argv: readonly string[]): number {
  if (argv.includes('-v') || argv.includes('--version') || argv.includes('-version')) {
    process.stdout.write('containerd-shim-tsrun-v1 (tsrun) 0.1.0\n');
    return 0;
  }
  process.stderr.write('tsrun: running containers is not implemented yet\n');
  return 1;
}

process.exitCode = main(process.argv.slice(2));

export {};
