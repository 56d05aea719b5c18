//! Task.Checkpoint: containerd's request (the image directory in `path`, runc's CheckpointOptions
//! in `options`) → the container library's checkpoint. `exit` false leaves the task running
//! (ctr task checkpoint without --exit); with `exit` CRIU ends it and the exit is published as usual.

import type { CheckpointOptions } from '../checkpoint/types';
import { CGROUPS_MODES, type CgroupsMode } from '../checkpoint/types';
import { InvalidArgumentError, UnimplementedError } from '../errors';
import type { CheckpointTaskRequest } from '../gen/runtime/task/v2/shim';
import { unpackCheckpointOptions } from '../proto/payloads';
import type { InitProcess } from './init-process';

/** Map CheckpointTaskRequest to library options (pure; refuses what tsrun does not do by name). */
export function checkpointOptionsOf(req: CheckpointTaskRequest, criuPath: string | undefined): CheckpointOptions {
  const o = unpackCheckpointOptions(req.options);
  const imagePath = req.path !== '' ? req.path : o.imagePath;
  if (imagePath === '') throw new InvalidArgumentError('CheckpointTaskRequest.path: empty, and options.image_path too; name the directory for the images');
  if (o.emptyNamespaces.length > 0) throw new UnimplementedError(`CheckpointOptions.empty_namespaces (${o.emptyNamespaces.join(', ')}): not supported by tsrun; leave it empty`);
  if (o.parentPath !== '') throw new UnimplementedError('CheckpointOptions.parent_path: incremental checkpoints are not supported by tsrun; leave it empty');
  if (o.cgroupsMode !== '' && !(CGROUPS_MODES as readonly string[]).includes(o.cgroupsMode)) {
    throw new InvalidArgumentError(`CheckpointOptions.cgroups_mode "${o.cgroupsMode}": must be one of ${CGROUPS_MODES.join(', ')}`);
  }
  return {
    imagePath,
    ...(o.workPath !== '' ? { workPath: o.workPath } : {}),
    leaveRunning: !o.exit,
    tcpEstablished: o.openTcp,
    externalUnixSockets: o.externalUnixSockets,
    fileLocks: o.fileLocks,
    shellJob: o.terminal,
    ...(o.cgroupsMode !== '' ? { cgroupsMode: o.cgroupsMode as CgroupsMode } : {}),
    ...(criuPath !== undefined ? { criuPath } : {}),
  };
}

export async function checkpointTask(init: InitProcess, req: CheckpointTaskRequest, criuPath: string | undefined): Promise<void> {
  await init.container.checkpoint(checkpointOptionsOf(req, criuPath));
}
