//! The Docker suite with `--runtime tsrun` (daemon.json: "runtimes": {"tsrun": {"runtimeType":
//! "io.containerd.tsrun.v1"}}): the same cases and expectations as runc.test.ts. Then the runtime
//! entry with "options": Docker turns them into runtimeoptions.v1.Options for a shim it does not know,
//! so {"ConfigPath": FILE} hands tsrun an options TOML (here: its state Root).
import * as fs from 'fs';
import * as path from 'path';
import { scratchDir, testEnv, uniqueId } from '../../helpers/env';
import { docker, DockerHandle, dockerOk, startDocker, stopDocker } from '../../helpers/docker';
import { assertNoLeaks } from '../../helpers/leaks';
import { describeDocker } from './docker-suite';

describeDocker({
  runtime: 'tsrun',
  // The installed launcher execs the pinned node on PREFIX/lib/tsrun/dist/entry.js (scripts/install.sh);
  // a single-executable build shows containerd-shim-tsrun-v1 itself.
  shimCommand: /(^|\/)containerd-shim-tsrun-v1 |\/lib\/tsrun\/dist\/entry\.js /,
});

describe('Docker 26: the tsrun runtime entry with "options": {"ConfigPath": ...}', () => {
  let h: DockerHandle | undefined;
  const dir = path.join(scratchDir(), uniqueId('dkopts'));
  const root = path.join(dir, 'tsrun-root');
  const toml = path.join(dir, 'tsrun.toml');
  let name = '';

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(toml, `# tsrun's options for Docker\nRoot = "${root}"\nLogLevel = "debug"\n`);
    h = await startDocker({ runtimeOptions: { ConfigPath: toml } });
  }, 300_000);

  afterAll(async () => {
    if (h !== undefined && name !== '') await docker(h, ['rm', '-f', name]);
    await stopDocker(h);
    fs.rmSync(dir, { recursive: true, force: true });
    await assertNoLeaks();
  }, 300_000);

  it('the shim reads the TOML: container state lives under its Root', async () => {
    if (h === undefined) throw new Error('the private docker did not start (see beforeAll)');
    name = uniqueId('tsrun-opts');
    const id = (await dockerOk(h, ['run', '-d', '--name', name, '--runtime', 'tsrun', '--network', 'none', testEnv().image.ref, 'sleep', '1000'])).stdout.trim();
    expect(fs.readdirSync(root)).toContain(id);
    await dockerOk(h, ['rm', '-f', name]);
    name = '';
    expect(fs.readdirSync(root)).not.toContain(id);
  });
});
