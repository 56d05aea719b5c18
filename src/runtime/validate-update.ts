//! Validation of the resources of an update (runc update -r, Task.Update's LinuxResources JSON):
//! the same rules as config.json's linux.resources, with issues reported under the caller's name.

import { InvalidSpecError, type SpecIssue } from '../errors';
import { parseSpecJson } from './json';
import type { LinuxResources } from './spec';
import { readResources } from './validate-resources';
import { type Obj, SpecReader } from './validate-read';

/** InvalidSpecError whose message names the update's source (e.g. "Task.Update resources"), not config.json. */
export class InvalidResourcesError extends InvalidSpecError {
  constructor(where: string, issues: readonly SpecIssue[]) {
    super(issues);
    this.message = `${where}: ${issues.map((i) => `${i.path.replace(/^linux\.resources\.?/, '') || '(root)'}: ${i.message}`).join('; ')}`;
  }
}

/**
 * Validate parsed LinuxResources JSON (64-bit values as bigint when parsed with parseSpecJson).
 * @throws InvalidResourcesError listing every issue.
 */
export function validateResources(raw: unknown, where: string): LinuxResources {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidResourcesError(where, [{ path: '(root)', message: 'must be a JSON object (OCI LinuxResources)' }]);
  }
  const r = new SpecReader();
  const resources = readResources(r, { resources: raw } as Obj);
  if (r.issues.length > 0) throw new InvalidResourcesError(where, r.issues);
  return resources ?? {};
}

/** Parse (64-bit exact) and validate LinuxResources JSON text. */
export function parseResourcesJson(text: string, where: string): LinuxResources {
  let raw: unknown;
  try {
    raw = parseSpecJson(text);
  } catch (err) {
    throw new InvalidResourcesError(where, [{ path: '(root)', message: `is not valid JSON (${(err as Error).message})` }]);
  }
  return validateResources(raw, where);
}
