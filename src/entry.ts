//! Entry point of the single executable (`make sea`): one binary that is the shim
//! (containerd-shim-tsrun-v1) or the CLI (`tsrun`, or `containerd-shim-tsrun-v1 runtime …`).
//! Only the chosen program's modules are loaded (dynamic import; esbuild keeps them lazy).
import { chooseProgram } from './platform/program';

async function run(): Promise<number> {
  const choice = chooseProgram(process.argv0, process.argv.slice(2));
  if (choice.program === 'cli') return (await import('./cli')).main(choice.args);
  if (choice.program === 'native-check') return nativeCheck();
  return (await import('./main')).main(choice.args);
}

/** Proves the native files load (in the single executable: that the assets extracted). */
async function nativeCheck(): Promise<number> {
  const libc = await import('./linux/libc');
  const [r, w] = libc.pipe2();
  libc.closeFd(r);
  libc.closeFd(w);
  process.stdout.write(`native: ok ${libc.libtsrunPath()}\n`);
  return 0;
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
