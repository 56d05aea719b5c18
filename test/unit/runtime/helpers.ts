// Shared helpers for the runtime unit tests: fixtures and issue extraction.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidSpecError, type SpecIssue } from '../../../src/errors';
import { parseSpecJson } from '../../../src/runtime/json';
import { validateSpec } from '../../../src/runtime/validate';

export const FIXTURES = path.join(__dirname, 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** A fixture parsed with exact 64-bit integers (a fresh copy each call). */
export function fixture(name: string): Record<string, unknown> {
  return parseSpecJson(fixtureText(name)) as Record<string, unknown>;
}

/** The issues validateSpec reports for `raw`; [] when it is valid. Fails on any other throw. */
export function issuesOf(raw: unknown): SpecIssue[] {
  try {
    validateSpec(raw);
    return [];
  } catch (err) {
    if (err instanceof InvalidSpecError) return [...err.issues];
    throw err;
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** runc's example spec with `mutate` applied. */
export function runcSpecWith(mutate: (s: Json) => void): Json {
  const s = fixture('runc-spec.json') as Json;
  mutate(s);
  return s;
}
