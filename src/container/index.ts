//! The container library: lifecycle of OCI containers with state persisted under a root directory.
//! Both front ends use it: the `tsrun` CLI (one process per verb) and the shim (in-process owner).

export type {
  Container,
  ContainerLogger,
  ContainerStatus,
  CreateOptions,
  DeleteOptions,
  ExitInfo,
  KillOptions,
  OciState,
  StartMode,
  StdioFds,
} from './types';
export { createContainer, loadContainer, listContainers, removeIncompleteContainer } from './lifecycle';
export { parseSignal } from './signals';
export { containerStats } from './stats';
export { mergeResources, isEmptyUpdate } from './update';
export { spawnExec, validateExecProcess, type ExecRequest } from './exec';
export { restoreContainer, type RestoreContainerOptions } from './restore';
