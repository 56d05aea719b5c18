//! The Linux layer's public API: spawning from launch plans, reaping, host facts, small syscalls.

export { spawnContainer, spawnProcess, releaseExecFifo, compilePlanSeccomp } from './spawn';
export { compileSeccomp, libseccompVersion, resolveSyscall, LIBSECCOMP, LIBSECCOMP_PACKAGE, type CompiledSeccomp } from './libseccomp';
export type { ContainerStateInfo, ExitStatus, SpawnOptions, SpawnedProcess } from './spawn-types';
export { reaper, setChildSubreaper, Reaper, exitStatusOf } from './reaper';
export { hostCapLast, hostLsm, type HostLsm } from './host';
export { eventfd, pipe2, bytesUnread, mkfifo, closeFd, mount, umount2, pidfdOpen, pidfdSendSignal, kill, EFD_CLOEXEC, EFD_NONBLOCK, O_CLOEXEC, O_NONBLOCK } from './libc';
export { SyscallError, ContainerSetupError } from './errors';
export { installDeviceFilter, removeDeviceFilters, attachedDevicePrograms, bpfProgramExists, loadDeviceProgram, BpfUnsupportedError, BpfVerifierError } from './bpf';
export { errnoName } from './errno';
export { openpty, setWinsize, sendFd, dupFd, flock, LOCK_EX, LOCK_NB, LOCK_UN } from './libc';
