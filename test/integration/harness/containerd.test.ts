// The harness itself against the real components: each selected containerd runs with the CRI
// plugin and tsrun registered, holds the imported image, and runs it with runc (the reference).
import * as fs from 'fs';
import { containerdLogTail, ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { describeResult } from '../../helpers/exec';
import { testEnv, uniqueId } from '../../helpers/env';
import { importedDigest } from '../../helpers/image';

describeHarness('private containerd', (h) => {
  it('is the selected version, answering on its own socket', async () => {
    const r = await ctrOk(h, ['version']);
    const server = r.stdout.slice(r.stdout.indexOf('Server:'));
    expect(server).toContain(`Version:  ${h.fullVersion}`);
    expect(h.fullVersion.startsWith(`${h.version}.`)).toBe(true);
    expect(fs.statSync(h.address).isSocket()).toBe(true);
    expect(fs.statSync(h.ttrpcAddress).isSocket()).toBe(true);
    expect(fs.readFileSync(`/proc/${h.pid}/cmdline`, 'utf8')).toContain(h.config);
  });

  it('has the CRI plugin on and tsrun registered as a runtime', async () => {
    const r = await ctrOk(h, ['plugins', 'ls']);
    expect(r.stdout).toMatch(/^io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok\s*$/m);
    const config = fs.readFileSync(h.config, 'utf8');
    expect(config).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tsrun]');
    expect(config).toContain('runtime_type = "io.containerd.tsrun.v1"');
    expect(h.path.split(':')[0]).toBe(testEnv().binDir);
  });

  it('holds the locally built busybox image', async () => {
    const { image } = testEnv();
    expect(await importedDigest(h, image.ref)).toBe(image.digest);
  });

  it('runs the image with runc (the reference runtime)', async () => {
    const r = await ctrRun(h, { id: uniqueId('runc'), args: ['sh', '-c', 'echo hello from runc; echo $((6 * 7)); id -u'] });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'hello from runc\n42\n0\n' });
  });

  it('starts the installed containerd-shim-tsrun-v1 for --runtime io.containerd.tsrun.v1', async () => {
    const r = await ctrRun(h, { id: uniqueId('tsrun'), runtime: 'io.containerd.tsrun.v1', args: ['echo', 'hello from tsrun'] });
    const msg = `${describeResult(r)}\ncontainerd log:\n${containerdLogTail(h)}`;
    expect({ code: r.code, stdout: r.stdout, msg: r.code === 0 ? '' : msg }).toEqual({ code: 0, stdout: 'hello from tsrun\n', msg: '' });
  });
});
