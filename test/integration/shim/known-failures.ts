//! Cases that fail through io.containerd.tsrun.v1 because of bugs or gaps in the shim or the
//! runtime library (not in the tests): name → expected vs actual and probable cause. They run,
//! tsrun only, in tsrun-known-failures.test.ts (and are left out of the main files for tsrun).
//! Remove an entry as soon as its case passes.
export const TSRUN_KNOWN_FAILURES: Readonly<Record<string, string>> = {};
