//! Output formats shared with runc: Go tabwriter-style tables (minwidth 12, padding 3, as runc's
//! `list`), and a `ps -ef`-style process table built from /proc.

import * as fs from 'node:fs';

/** Align tab-separated rows like Go's tabwriter(minwidth, tabwidth=1, padding, ' ', 0): every cell
 *  but the last of a row is padded to its column's width; the last cell is written as is. */
export function tabwrite(rows: readonly (readonly string[])[], minwidth = 12, padding = 3): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(cell.length + padding, minwidth));
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('') + '\n').join('');
}

/** uid → user name from /etc/passwd (numbers for unknown uids). */
export function userNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && /^[0-9]+$/.test(f[2]!) && !names.has(Number(f[2]))) names.set(Number(f[2]), f[0]!);
    }
  } catch {
    // no passwd: numbers
  }
  return names;
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly ttyNr: number;
  readonly cpuTicks: number;
  readonly startTicks: number;
  readonly cmd: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
    return {
      pid,
      ppid: Number(f[1]),
      uid,
      ttyNr: Number(f[4]),
      cpuTicks: Number(f[11]) + Number(f[12]),
      startTicks: Number(f[19]),
      cmd: cmdline.length > 0 ? cmdline.join(' ') : `[${comm}]`,
    };
  } catch {
    return undefined;
  }
}

const HZ = 100;

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `ps -ef` columns for the given pids (UID PID PPID C STIME TTY TIME CMD), procps-style. */
export function psTable(pids: readonly number[], now = Date.now()): string {
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const bootMs = now - uptime * 1000;
  const names = userNames();
  const lines = ['UID          PID    PPID  C STIME TTY          TIME CMD'];
  for (const pid of pids) {
    const p = readProc(pid);
    if (!p) continue;
    const started = new Date(bootMs + (p.startTicks / HZ) * 1000);
    const ageS = Math.max(1, (now - started.getTime()) / 1000);
    const c = Math.min(99, Math.floor(((p.cpuTicks / HZ) * 100) / ageS));
    const today = new Date(now).toDateString() === started.toDateString();
    const stime = today
      ? `${two(started.getHours())}:${two(started.getMinutes())}`
      : `${started.toLocaleString('en-US', { month: 'short' })}${two(started.getDate())}`;
    const cpuS = Math.floor(p.cpuTicks / HZ);
    const time = `${two(Math.floor(cpuS / 3600))}:${two(Math.floor((cpuS % 3600) / 60))}:${two(cpuS % 60)}`;
    let user = names.get(p.uid) ?? String(p.uid);
    if (user.length > 8) user = String(p.uid);
    const tty = p.ttyNr === 0 ? '?' : `pts/${p.ttyNr & 0xff}`;
    lines.push(
      `${user.padEnd(8)} ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${String(c).padStart(2)} ${stime.padStart(5)} ${tty.padEnd(8)} ${time.padStart(8)} ${p.cmd}`,
    );
  }
  return lines.join('\n') + '\n';
}
