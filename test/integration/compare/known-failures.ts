//! Side-by-side cases that fail with tsrun today because of a bug on another branch. They run (and
//! fail) in tsrun-known-failures.test.ts, not in their group's file; when the fix lands, delete the
//! entry and the case moves back to its group's file. Each entry says what runc does, what tsrun
//! does and where the fix probably belongs. Last checked against: container b6c9dc8, executor
//! 883fedd, cgroups 076f49f, main f36dfe3.
import type { Group } from './suite';

export interface KnownFailure {
  readonly group: Group;
  /** The case's name (test title) in cases-<group>.ts. */
  readonly caseName: string;
  /** What runc does (the expected behaviour). */
  readonly expected: string;
  /** What tsrun does. */
  readonly actual: string;
  /** Probable cause and the branch whose files it concerns. */
  readonly cause: string;
}

export const KNOWN_TSRUN_FAILURES: readonly KnownFailure[] = [];
