//! Signal names and numbers (x86_64/arm64 Linux numbering), accepted as runc does: "KILL",
//! "SIGKILL", "sigkill" or "9".

import { InvalidArgumentError } from '../errors';

export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20,
  SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27,
  SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parse a signal given as a name (with or without SIG, any case, RTMIN+n) or a number 1..64. */
export function parseSignal(raw: number | string): number {
  if (typeof raw === 'number') {
    if (Number.isInteger(raw) && raw >= 1 && raw <= SIGRTMAX) return raw;
    throw new InvalidArgumentError(`signal ${raw}: must be an integer between 1 and ${SIGRTMAX}`);
  }
  const text = raw.trim();
  if (/^[0-9]+$/.test(text)) return parseSignal(Number(text));
  let name = text.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const known = SIGNALS[name];
  if (known !== undefined) return known;
  const rt = /^SIGRT(MIN|MAX)([+-][0-9]+)?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const n = base + (rt[2] ? Number(rt[2]) : 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw new InvalidArgumentError(`unknown signal "${raw}": use a name like TERM or SIGKILL, or a number`);
}

/** The conventional name of a signal number ("SIGTERM"), or "SIG<n>" for real-time ones. */
export function signalName(signal: number): string {
  for (const [name, n] of Object.entries(SIGNALS)) if (n === signal) return name;
  return `SIG${signal}`;
}
