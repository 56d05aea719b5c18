//! The CLI's log, in runc's (logrus) formats so tools that parse runc logs (containerd's go-runc
//! reads `--log` JSON lines' "msg") work unchanged: text `time="…" level=error msg="…"` or JSON
//! `{"level":"error","msg":"…","time":"…"}`. Written synchronously: the CLI exits right after.

import * as fs from 'node:fs';

import type { ContainerLogger } from '../container/types';

export type LogFormat = 'text' | 'json';
type Level = 'debug' | 'info' | 'warning' | 'error';

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatLine(format: LogFormat, level: Level, msg: string, fields: Record<string, unknown> = {}, time = timestamp()): string {
  if (format === 'json') return JSON.stringify({ level, msg, ...fields, time }) + '\n';
  const extra = Object.entries(fields)
    .map(([k, v]) => {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return ` ${k}=${/^[A-Za-z0-9_./:-]+$/.test(s) ? s : goQuote(s)}`;
    })
    .join('');
  return `time="${time}" level=${level} msg=${goQuote(msg)}${extra}\n`;
}

export class CliLog implements ContainerLogger {
  private readonly fd: number;
  readonly toStderr: boolean;

  constructor(
    file: string | undefined,
    readonly format: LogFormat,
    readonly debugEnabled: boolean,
  ) {
    this.toStderr = file === undefined || file === '' || file === '/dev/stderr';
    this.fd = this.toStderr ? 2 : fs.openSync(file!, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
  }

  private write(level: Level, obj: object, msg?: string): void {
    if (level === 'debug' && !this.debugEnabled) return;
    const fields = { ...(obj as Record<string, unknown>) };
    const text = msg ?? (typeof fields.msg === 'string' ? fields.msg : '');
    delete fields.msg;
    try {
      fs.writeSync(this.fd, formatLine(this.format, level, text, fields));
    } catch {
      // a log we cannot write must not fail the command
    }
  }

  debug(obj: object, msg?: string): void {
    this.write('debug', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.write('warning', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.write('error', obj, msg);
  }

  /** runc's fatal(): the error goes to the log; also bare to stderr when the log is a file. */
  fatal(message: string): void {
    this.write('error', {}, message);
    if (!this.toStderr) {
      try {
        fs.writeSync(2, message + '\n');
      } catch {
        // stderr closed
      }
    }
  }
}
