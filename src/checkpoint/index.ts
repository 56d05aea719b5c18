//! Checkpoint/restore with CRIU (the criu binary): planning, running, and the container-level steps.
export * from './types';
export { parseMountInfo, externalMounts, externalMountSources, planDump, planRestore, type MountEntry, type CriuInvocation } from './plan';
export { resolveCriu, runCriu, CriuError, criuLogErrors, describeCriuFailure } from './criu';
