//! Entry point of the single executable (`make sea`): one binary that is the shim
//! (containerd-shim-tsrun-v1) or the CLI (`tsrun`, or `containerd-shim-tsrun-v1 runtime …`).
//! Only the chosen program's modules are loaded (dynamic import; esbuild keeps them lazy).
import { chooseProgram } from './platform/program';

async function run(): Promise<number> {
  const choice = chooseProgram(process.argv0, process.argv.slice(2));
  if (choice.program === 'cli') return (await import('./cli')).main(choice.args);
  return (await import('./main')).main(choice.args);
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tsrun: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
