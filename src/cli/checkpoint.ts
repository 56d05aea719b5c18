//! `tsrun checkpoint` and `tsrun restore` with runc's flags: the common ones are honoured; runc's
//! pre-dump/lazy-pages/page-server family is refused with a clear error rather than ignored.

import * as path from 'node:path';

import type { CgroupsMode, CheckpointOptions, RestoreOptions } from '../checkpoint/types';
import { CGROUPS_MODES } from '../checkpoint/types';
import { loadContainer, restoreContainer } from '../container';
import { InvalidArgumentError, UnimplementedError } from '../errors';
import { loadBundleSpec } from '../runtime/bundle';
import type { FlagValues } from './args';
import type { CliContext } from './commands';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** runc flags tsrun does not implement: refused by name (they change what a checkpoint is). */
function refuseUnsupported(flags: FlagValues, names: readonly string[]): void {
  for (const n of names) {
    const v = flags[n];
    if (v === true || (typeof v === 'string' && v !== '')) {
      throw new UnimplementedError(`--${n}: not supported by tsrun's checkpoint/restore (only full dumps into --image-path); drop the flag`);
    }
  }
}

function cgroupsMode(v: string | undefined): CgroupsMode | undefined {
  if (v === undefined) return undefined;
  if (!(CGROUPS_MODES as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`--manage-cgroups-mode: "${v}" must be one of ${CGROUPS_MODES.join(', ')}`);
  }
  return v as CgroupsMode;
}

function common(ctx: CliContext): RestoreOptions {
  const { flags, global } = ctx.cmd;
  // runc's default image directory: ./checkpoint
  const imagePath = path.resolve(str(flags['image-path']) ?? 'checkpoint');
  const work = str(flags['work-path']);
  return {
    imagePath,
    ...(work !== undefined ? { workPath: path.resolve(work) } : {}),
    tcpEstablished: flags['tcp-established'] === true,
    fileLocks: flags['file-locks'] === true,
    externalUnixSockets: flags['ext-unix-sk'] === true,
    shellJob: flags['shell-job'] === true,
    ...(cgroupsMode(str(flags['manage-cgroups-mode'])) !== undefined ? { cgroupsMode: cgroupsMode(str(flags['manage-cgroups-mode'])) } : {}),
    ...(str(global.criu) !== undefined ? { criuPath: str(global.criu) } : {}),
  };
}

/** `tsrun checkpoint`: dump the container; unless --leave-running it is then gone (runc destroys it too). */
export async function checkpointCommand(ctx: CliContext): Promise<number> {
  refuseUnsupported(ctx.cmd.flags, ['parent-path', 'status-fd', 'page-server', 'pre-dump', 'lazy-pages', 'auto-dedup', 'empty-ns']);
  const options: CheckpointOptions = { ...common(ctx), leaveRunning: ctx.cmd.flags['leave-running'] === true };
  const c = await loadContainer(ctx.root, ctx.cmd.args[0]!);
  await c.checkpoint(options);
  if (!options.leaveRunning) await c.delete({ force: true });
  return 0;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGCONT'];

/** `tsrun restore`: bring a checkpoint back as a running container; without -d wait for it like `run`. */
export async function restoreCommand(ctx: CliContext): Promise<number> {
  const { flags, args, global } = ctx.cmd;
  refuseUnsupported(flags, ['lazy-pages', 'auto-dedup', 'empty-ns', 'lsm-profile', 'lsm-mount-context']);
  const bundle = str(flags.bundle) ?? process.cwd();
  const spec = (await loadBundleSpec(bundle)).spec;
  if (str(flags['console-socket']) !== undefined || spec.process?.terminal) {
    throw new UnimplementedError('restore: containers with a terminal (process.terminal, --console-socket) cannot be checkpointed or restored by tsrun');
  }
  const c = await restoreContainer({
    id: args[0]!,
    bundle,
    root: ctx.root,
    spec,
    stdio: { stdin: 0, stdout: 1, stderr: 2 },
    pidFile: str(flags['pid-file']),
    systemdCgroup: global['systemd-cgroup'] === true,
    checkpoint: common(ctx),
    logger: ctx.log,
  });
  if (flags.detach === true) {
    c.detach();
    return 0;
  }
  const forward = (sig: NodeJS.Signals): void => {
    c.kill(sig).catch(() => {});
  };
  for (const s of FORWARDED) process.on(s, forward);
  const exit = await c.exited!;
  for (const s of FORWARDED) process.off(s, forward);
  await c.delete({ force: true });
  return exit.status;
}
