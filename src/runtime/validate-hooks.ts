//! Validation of config.json's `hooks`: each hook's path absolute, args strings, env KEY=VALUE,
//! timeout a positive number of seconds.

import type { Hook, HookName, Hooks } from './spec';
import { readEnv } from './validate-process';
import { childPath, compact, I32_MAX, isAbsolutePath, type Obj, show, SpecReader } from './validate-read';

/** The hook lists of runtime-spec 1.3 (prestart is deprecated but still run, as runc does). */
export const HOOK_NAMES: readonly HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

export function readHooks(r: SpecReader, spec: Obj): Hooks | undefined {
  const hooks = r.objectField(spec, 'hooks', '');
  if (hooks === undefined) return undefined;
  const out: Partial<Record<HookName, Hook[]>> = {};
  for (const name of HOOK_NAMES) {
    out[name] = r.array(hooks, name, 'hooks', (item, path) => readHook(r, item, path), { what: 'an array of hook objects' });
  }
  return compact<Hooks>(out);
}

function readHook(r: SpecReader, item: unknown, path: string): Hook | undefined {
  const h = r.object(item, path);
  if (h === undefined) return undefined;
  const hookPath = r.string(h, 'path', path, { required: 'give the absolute path of the program to run' });
  if (hookPath !== undefined && !isAbsolutePath(hookPath)) {
    r.issue(childPath(path, 'path'), `${show(hookPath)} is not an absolute path; give the program's full path, e.g. "/usr/bin/hook"`);
  }
  const timeout = r.int(h, 'timeout', path, { min: 1, max: I32_MAX, expect: 'must be a whole number of seconds greater than 0' });
  const hook = compact<Hook>({
    path: hookPath ?? '',
    args: r.stringArray(h, 'args', path),
    env: readEnv(r, h, 'env', path),
    timeout,
  });
  return hookPath === undefined || !isAbsolutePath(hookPath) ? undefined : hook;
}
