//! `tsrun events [--stats] [--interval 5s] <id>`: runc's event stream. With --stats one stats event and
//! exit; without, a stats event every interval and an "oom" event for each OOM kill, until the
//! container stops (or tsrun is interrupted).

import { containerStats, loadContainer } from '../container';
import type { Container } from '../container';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import { eventLine, runcStats } from './stats-json';

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("5s", "250ms", "1m30s") in milliseconds; must be positive. */
export function parseDuration(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text || !(ms > 0)) {
    throw new InvalidArgumentError(`--${flag}: invalid duration "${text}": use a positive Go duration such as 5s or 250ms`);
  }
  return ms;
}

export interface EventsOptions {
  readonly root: string;
  readonly id: string;
  readonly stats: boolean;
  readonly intervalMs: number;
  readonly out: (text: string) => void;
  /** Ends the stream early (SIGINT/SIGTERM in the CLI). */
  readonly signal?: AbortSignal;
}

async function statsLine(c: Container): Promise<string> {
  return eventLine('stats', c.id, runcStats(await containerStats(c)));
}

export async function runEvents(o: EventsOptions): Promise<void> {
  const c = await loadContainer(o.root, o.id);
  if (c.status() === 'stopped') throw new FailedPreconditionError(`container with id ${o.id} is not running`);
  if (o.stats) {
    o.out(await statsLine(c));
    return;
  }
  const cg = c.cgroup();
  const oom = cg ? await cg.watchOom() : undefined;
  oom?.on('oom', (e: { count?: number }) => {
    for (let i = 0; i < Math.max(1, e.count ?? 1); i++) o.out(eventLine('oom', c.id));
  });
  oom?.on('error', () => undefined);
  try {
    while (!o.signal?.aborted) {
      o.out(await statsLine(c));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.intervalMs);
        o.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        }, { once: true });
      });
      await oom?.check();
      if (c.status() === 'stopped') break;
    }
  } finally {
    oom?.close();
  }
}
