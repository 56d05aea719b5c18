//! `tsrun update` and `tsrun events`: flag handling around the container library.

import * as fs from 'node:fs';

import { loadContainer } from '../container';
import { parseResourcesJson } from '../runtime/validate-update';
import type { FlagValues } from './args';
import { parseDuration, runEvents } from './events';
import { resourcesFromFlags } from './update-flags';

export async function updateCommand(root: string, id: string, flags: FlagValues): Promise<void> {
  const file = typeof flags.resources === 'string' ? flags.resources : undefined;
  const resources = file !== undefined
    ? parseResourcesJson(fs.readFileSync(file === '-' ? 0 : file, 'utf8'), `--resources ${file === '-' ? '(stdin)' : file}`)
    : resourcesFromFlags(flags);
  const c = await loadContainer(root, id);
  await c.update(resources);
}

export async function eventsCommand(root: string, id: string, flags: FlagValues, out: (text: string) => void): Promise<void> {
  const intervalMs = parseDuration('interval', typeof flags.interval === 'string' ? flags.interval : '5s');
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runEvents({ root, id, stats: flags.stats === true, intervalMs, out, signal: abort.signal });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
