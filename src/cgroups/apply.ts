//! Applying a plan's writes to directories: fallbacks, optional files, warnings. Shared by v1 and v2.

import { CgroupError } from '../errors';
import { isNotFound, writeCgroupFile } from './files';
import type { CgroupWrite } from './plan';
import type { CgroupLogger } from './types';

/** Write each entry to dirFor(controller); `missingController` decides what a missing hierarchy does. */
export async function applyWrites(
  writes: readonly CgroupWrite[],
  dirFor: (controller: string) => string | undefined,
  logger: CgroupLogger,
): Promise<void> {
  for (const w of writes) {
    const dir = dirFor(w.controller);
    if (dir === undefined) {
      logger.warn(
        { controller: w.controller, file: w.file, value: w.value },
        `cgroup controller "${w.controller}" is not mounted on this host: ${w.file}=${w.value} is not applied`,
      );
      continue;
    }
    try {
      await writeCgroupFile(dir, w.file, w.value);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (w.fallback) {
        await writeCgroupFile(dir, w.fallback.file, w.fallback.value);
      } else if (w.optional) {
        logger.warn({ file: w.file, value: w.value, dir }, `cgroup ${w.file} does not exist on this kernel; skipped`);
      } else {
        throw err;
      }
    }
  }
}

/** The warn-to-stderr logger used when the caller injects none. */
export const stderrLogger: CgroupLogger = {
  warn(obj, msg) {
    process.emitWarning(`${msg} ${JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`, 'TsrunCgroupWarning');
  },
};

export function timeoutError(file: string, value: string, dir: string, what: string): CgroupError {
  return new CgroupError(file, value, 'ETIMEDOUT', dir, what);
}
