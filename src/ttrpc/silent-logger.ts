//! The logger used when the caller passes none.

import pino, { type Logger } from 'pino';

let silent: Logger | undefined;

/** One shared pino logger at level `silent`. */
export function silentLogger(): Logger {
  silent ??= pino({ level: 'silent' });
  return silent;
}
