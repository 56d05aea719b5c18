//! Negative cases, side by side: bundles both runtimes must refuse with a clear error, leaving no
//! state, cgroup, mount or process behind (the harness's leak checker runs after each file; each
//! case also checks its own cgroup paths and state). The symlink case must succeed but keep the
//! mounts inside the rootfs: the host verifies that nothing was mounted or written outside.
import * as fs from 'fs';
import * as path from 'path';
import { parseMountinfo } from '../../helpers/leaks';
import { Config } from './bundle';
import { alive, cgroupDirs, waitFor } from './host';
import { describeRt, expectOk, Runtime } from './runtimes';
import { Pair, SideBySide } from './side-by-side';
import { CaseGroup } from './suite';

interface Refusal {
  readonly code: number | null;
  /** Error output with the id and bundle path replaced (for messages in assertion output). */
  readonly stderr: string;
  /** Whether anything of the container is left: `state` answers, its state dir, cgroups. */
  readonly stateAnswers: boolean;
  readonly stateDir: boolean;
  readonly cgroups: string[];
}

/** `create` of a bundle edited by `edit`; what the refusal looked like and what it left. */
export async function refuse(
  sbs: SideBySide,
  r: Runtime,
  label: string,
  opts: { edit?: (c: Config, b: { dir: string; rootfs: string }) => void; raw?: (dir: string) => void; noRootfs?: boolean },
): Promise<Refusal> {
  const id = sbs.newId(r, label);
  const b = sbs.bundle(id, { edit: opts.edit, noRootfs: opts.noRootfs });
  opts.raw?.(b.dir);
  const res = await sbs.rt(r, ['create', '--bundle', b.dir, id]);
  const st = await sbs.rt(r, ['state', id]);
  return {
    code: res.code,
    stderr: res.stderr.split(b.dir).join('<BUNDLE>').split(id).join('<ID>').trim(),
    stateAnswers: st.code === 0,
    stateDir: fs.existsSync(path.join(r.root, id)),
    cgroups: cgroupDirs(`/${id}`),
  };
}

/** Both refused with exit 1 and left nothing; `runcSays`/`tsrunSays` match their messages. */
export function expectCleanRefusals(p: Pair<Refusal>, runcSays: RegExp, tsrunSays: RegExp): void {
  const clean = { code: 1, stateAnswers: false, stateDir: false, cgroups: [] };
  expect(p.runc).toMatchObject(clean);
  expect(p.runc.stderr).toMatch(runcSays);
  expect(p.tsrun).toMatchObject(clean);
  expect(p.tsrun.stderr).toMatch(tsrunSays);
}

export const NEGATIVE: CaseGroup = {
  group: 'negative',
  title: 'side by side: refusals leave nothing behind, mounts stay inside',
  cases: [
    {
      name: 'config.json that is not JSON',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'badjson', { raw: (dir) => fs.writeFileSync(path.join(dir, 'config.json'), '{"ociVersion": "1.0.2", "process": {') }));
        // Difference: runc 1.1 says only "unexpected EOF"; tsrun names config.json and the JSON error.
        expectCleanRefusals(p, /unexpected EOF|JSON/, /config\.json/);
      },
    },
    {
      name: 'an invalid field: empty process.args',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'noargs', { edit: (c) => (c.process.args = []) }));
        // runc: "args must not be empty"; tsrun names the JSON path.
        expectCleanRefusals(p, /args must not be empty/, /process\.args/);
      },
    },
    {
      name: 'a missing rootfs',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'norootfs', { noRootfs: true }));
        expectCleanRefusals(p, /rootfs|no such file or directory/i, /rootfs|root\.path/);
      },
    },
    {
      name: 'a uid the kernel cannot set (4294967295)',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'baduid', { edit: (c) => (c.process.user = { uid: 4294967295, gid: 0 }) }));
        expectCleanRefusals(p, /uids and gids must be in range/, /uid/);
      },
    },
    {
      name: 'an additional gid the kernel cannot set (4294967295)',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'badgid', { edit: (c) => (c.process.user = { uid: 0, gid: 0, additionalGids: [4294967295] }) }));
        expectCleanRefusals(p, /uids and gids must be in range/, /additionalGids|gid/);
      },
    },
    {
      name: 'a failing createRuntime hook',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) =>
          refuse(sbs, r, 'hookcr', { edit: (c) => (c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo createRuntime says no >&2; exit 2'] }] }) }),
        );
        expectCleanRefusals(p, /hook/i, /createRuntime/);
      },
    },
    {
      name: 'a failing prestart hook',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'hookps', { edit: (c) => (c.hooks = { prestart: [{ path: '/bin/false' }] }) }));
        expectCleanRefusals(p, /hook/i, /prestart/);
      },
    },
    {
      name: 'a process that does not exist in the rootfs',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'noexe', { edit: (c) => (c.process.args = ['/no/such/program']) }));
        expectCleanRefusals(p, /no such file or directory/, /\/no\/such\/program/);
      },
    },
    {
      name: 'a mount onto a symlink that points outside the rootfs stays inside (absolute and relative symlinks)',
      run: async (sbs) => {
        const seen = await sbs.onBoth(async (r) => {
          const id = sbs.newId(r, 'symlink');
          const dir = path.join(sbs.base, id);
          // Host directories the symlinks name; nothing may ever be mounted on or written into them.
          const outsideAbs = `${dir}-outside-abs`;
          const outsideRel = `${dir}-outside-rel`;
          const source = `${dir}-source`;
          for (const d of [outsideAbs, outsideRel, source]) fs.mkdirSync(d, { recursive: true });
          fs.writeFileSync(path.join(source, 'marker'), 'bind source\n');
          const b = sbs.bundle(id, {
            prepare: (rootfs) => {
              fs.symlinkSync(outsideAbs, path.join(rootfs, 'escape-abs'));
              fs.symlinkSync('../'.repeat(24) + outsideRel.slice(1), path.join(rootfs, 'escape-rel'));
            },
            edit: (c) => {
              c.process.args = ['sh', '-c', 'cat /escape-abs/marker > /escape-abs/seen; touch /escape-rel/written; cat /proc/self/mountinfo > /escape-abs/mountinfo'];
              c.mounts.push(
                { destination: '/escape-abs', type: 'bind', source, options: ['rbind', 'rw'] },
                { destination: '/escape-rel', type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] },
              );
            },
          });
          const hostView = (): { mountedOutside: string[]; writtenOutside: string[] } => ({
            mountedOutside: parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
              .map((m) => m.mountPoint)
              .filter((m) => m.startsWith(outsideAbs) || m.startsWith(outsideRel)),
            writtenOutside: [...fs.readdirSync(outsideAbs), ...fs.readdirSync(outsideRel)],
          });
          const create = await sbs.rt(r, ['create', '--bundle', b.dir, id]);
          // Refused or not, nothing may have been mounted or written outside the rootfs.
          if (create.code !== 0) return { create: describeRt(create), whileCreated: hostView() };
          const pid = Number((JSON.parse(expectOk(await sbs.rt(r, ['state', id])).stdout) as { pid: number }).pid);
          const whileCreated = hostView();
          expectOk(await sbs.rt(r, ['start', id]));
          await waitFor(`${r.name} ${id} exited`, () => !alive(pid));
          const afterExit = hostView();
          expectOk(await sbs.rt(r, ['delete', id]));
          const inner = fs.existsSync(path.join(source, 'mountinfo')) ? fs.readFileSync(path.join(source, 'mountinfo'), 'utf8') : '';
          const norm = (s: string): string => s.split(dir).join('<BUNDLE>');
          return {
            create: create.code,
            whileCreated,
            afterExit,
            // The bind landed inside: the container read the marker through /escape-abs and wrote back.
            seen: fs.existsSync(path.join(source, 'seen')) ? fs.readFileSync(path.join(source, 'seen'), 'utf8') : '(not written)',
            // Both mounts sit at the symlinks' targets resolved inside the rootfs.
            innerMountPoints: parseMountinfo(inner)
              .filter((m) => m.mountPoint.includes('outside'))
              .map((m) => `${norm(m.mountPoint)} ${m.fsType}`)
              .sort(),
            // The tmpfs held the written file: nothing reached the rootfs directory underneath.
            writtenUnderRootfs: fs.existsSync(path.join(b.rootfs, outsideRel, 'written')),
          };
        });
        expect(seen.runc).toEqual({
          create: 0,
          whileCreated: { mountedOutside: [], writtenOutside: [] },
          afterExit: { mountedOutside: [], writtenOutside: [] },
          seen: 'bind source\n',
          innerMountPoints: ['<BUNDLE>-outside-abs ext4', '<BUNDLE>-outside-rel tmpfs'],
          writtenUnderRootfs: false,
        });
        // Safety first (whatever else tsrun does): nothing outside the rootfs was touched.
        expect(seen.tsrun.whileCreated).toEqual({ mountedOutside: [], writtenOutside: [] });
        if ('afterExit' in seen.tsrun) expect(seen.tsrun.afterExit).toEqual({ mountedOutside: [], writtenOutside: [] });
        expect(seen.tsrun).toEqual(seen.runc);
      },
    },
  ],
};
