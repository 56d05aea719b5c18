//! Reading a process's identity from /proc: state letter and start time (field 22 of
//! /proc/<pid>/stat), which together tell "our process is alive" from "dead" or "pid reused".

import * as fs from 'node:fs';

export interface ProcStat {
  /** One-letter state: R, S, D, Z, T, t, X, I … */
  readonly state: string;
  /** Start time in clock ticks since boot, as a decimal string (fits no JS number safely). */
  readonly startTime: string;
}

/** Parse /proc/<pid>/stat text. The comm field may hold spaces and parentheses: split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime || !/^[0-9]+$/.test(startTime)) return undefined;
  return { state, startTime };
}

export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when `pid` is still the very process started at `startTime` and has not exited (zombie = exited). */
export function isSameLiveProcess(stat: ProcStat | undefined, startTime: string): boolean {
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}
