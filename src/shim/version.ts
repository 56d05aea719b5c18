//! The shim's name and version, reported by -v, -info and Connect.

export const RUNTIME_NAME = 'io.containerd.tsrun.v1';
export const BINARY_NAME = 'containerd-shim-tsrun-v1';
export const VERSION = '0.1.0';
/** Git revision, filled in by the build when known. */
export const REVISION = process.env.TSRUN_REVISION ?? '';
