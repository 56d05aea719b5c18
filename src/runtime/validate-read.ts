//! Typed field readers for the config.json validator. Each reader returns the field's value when it
//! is well formed and otherwise records an issue (JSON path + what to do) and returns undefined, so
//! one pass reports every problem. `null` counts as absent, as Go's encoding/json treats it.

import type { SpecIssue } from '../errors';

export type Obj = Readonly<Record<string, unknown>>;

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffff_ffff;
export const I32_MIN = -0x8000_0000;
export const I32_MAX = 0x7fff_ffff;
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const I64_MIN = -0x8000_0000_0000_0000n;
export const I64_MAX = 0x7fff_ffff_ffff_ffffn;

interface Presence {
  /** When set the field is required; the text says what to put there. */
  readonly required?: string;
}

export interface IntRange extends Presence {
  readonly min: number;
  readonly max: number;
  /** Replaces the default "must be an integer from min to max". */
  readonly expect?: string;
}

export interface Int64Range extends Presence {
  readonly min: bigint;
  readonly max: bigint;
  readonly expect?: string;
}

/** `a.b`, `a[2]` or `a["key.with.dots"]`; a top-level field is just its name. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** A map entry's path: always the bracket form, so keys with dots stay readable. */
export function entryPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The field's value, or undefined when it is missing or null. */
export function field(o: Obj, key: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return v === null ? undefined : v;
}

/** A copy of `o` without its undefined properties. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** JSON-ish rendering of a bad value for messages, kept short. */
export function show(v: unknown): string {
  let text: string;
  if (typeof v === 'bigint') text = v.toString();
  else if (v === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
    } catch {
      text = `a ${typeof v} that is not JSON`;
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function integer(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

export class SpecReader {
  readonly issues: SpecIssue[] = [];

  issue(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  private missing(path: string, p: Presence): undefined {
    if (p.required !== undefined) this.issue(path, `is required; ${p.required}`);
    return undefined;
  }

  /** `v` as an object, or an issue "must be an object". */
  object(v: unknown, path: string, p: Presence = {}): Obj | undefined {
    if (v === undefined || v === null) return this.missing(path, p);
    if (isObj(v)) return v;
    return this.issue(path, `must be an object, not ${show(v)}`);
  }

  objectField(o: Obj, key: string, parent: string, p: Presence = {}): Obj | undefined {
    return this.object(field(o, key), childPath(parent, key), p);
  }

  stringValue(v: unknown, path: string, p: Presence = {}): string | undefined {
    if (v === undefined || v === null) return this.missing(path, p);
    if (typeof v === 'string') return v;
    return this.issue(path, `must be a string, not ${show(v)}`);
  }

  string(o: Obj, key: string, parent: string, p: Presence = {}): string | undefined {
    return this.stringValue(field(o, key), childPath(parent, key), p);
  }

  boolean(o: Obj, key: string, parent: string, p: Presence = {}): boolean | undefined {
    const path = childPath(parent, key);
    const v = field(o, key);
    if (v === undefined) return this.missing(path, p);
    if (typeof v === 'boolean') return v;
    return this.issue(path, `must be true or false, not ${show(v)}`);
  }

  intValue(v: unknown, path: string, r: IntRange): number | undefined {
    if (v === undefined || v === null) return this.missing(path, r);
    const n = integer(v);
    if (n === undefined || n < BigInt(r.min) || n > BigInt(r.max)) {
      return this.issue(path, `${r.expect ?? `must be an integer from ${r.min} to ${r.max}`}, not ${show(v)}`);
    }
    return Number(n);
  }

  int(o: Obj, key: string, parent: string, r: IntRange): number | undefined {
    return this.intValue(field(o, key), childPath(parent, key), r);
  }

  int64Value(v: unknown, path: string, r: Int64Range): bigint | undefined {
    if (v === undefined || v === null) return this.missing(path, r);
    const n = integer(v);
    if (n === undefined || n < r.min || n > r.max) {
      return this.issue(path, `${r.expect ?? `must be an integer from ${r.min} to ${r.max}`}, not ${show(v)}`);
    }
    return n;
  }

  int64(o: Obj, key: string, parent: string, r: Int64Range): bigint | undefined {
    return this.int64Value(field(o, key), childPath(parent, key), r);
  }

  /** One of `values`; the message lists them all, `what` names the kind ("a namespace type"). */
  oneOf<T extends string>(o: Obj, key: string, parent: string, values: readonly T[], what: string, p: Presence = {}): T | undefined {
    const path = childPath(parent, key);
    const s = this.stringValue(field(o, key), path, p);
    if (s === undefined) return undefined;
    if ((values as readonly string[]).includes(s)) return s as T;
    return this.issue(path, `${show(s)} is not ${what}; use one of ${values.join(', ')}`);
  }

  /** An array whose items are read by `each` (undefined items are dropped: their issues are recorded). */
  arrayValue<T>(v: unknown, path: string, each: (item: unknown, path: string, index: number) => T | undefined, p: Presence & { what?: string } = {}): T[] | undefined {
    if (v === undefined || v === null) return this.missing(path, p);
    if (!Array.isArray(v)) return this.issue(path, `must be ${p.what ?? 'an array'}, not ${show(v)}`);
    const out: T[] = [];
    v.forEach((item: unknown, i: number) => {
      const got = each(item, childPath(path, i), i);
      if (got !== undefined) out.push(got);
    });
    return out;
  }

  array<T>(o: Obj, key: string, parent: string, each: (item: unknown, path: string, index: number) => T | undefined, p: Presence & { what?: string } = {}): T[] | undefined {
    return this.arrayValue(field(o, key), childPath(parent, key), each, p);
  }

  stringArray(o: Obj, key: string, parent: string, p: Presence = {}): string[] | undefined {
    return this.array(o, key, parent, (item, path) => this.stringValue(item, path, { required: 'use a string' }), {
      ...p,
      what: 'an array of strings',
    });
  }

  /** An object used as a map; each entry is read by `each` with the path `parent.key["entry"]`. */
  map<T>(o: Obj, key: string, parent: string, each: (value: unknown, path: string, entry: string) => T | undefined, p: Presence = {}): Record<string, T> | undefined {
    const path = childPath(parent, key);
    const m = this.object(field(o, key), path, p);
    if (m === undefined) return undefined;
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(m)) {
      const got = each(v, entryPath(path, k), k);
      if (got !== undefined) out[k] = got;
    }
    return out;
  }

  stringMap(o: Obj, key: string, parent: string): Record<string, string> | undefined {
    return this.map(o, key, parent, (v, path) => this.stringValue(v, path, { required: 'use a string value' }));
  }
}

/** An absolute path: non-empty, starts with "/", no NUL. */
export function isAbsolutePath(s: string): boolean {
  return s.startsWith('/') && !s.includes('\0');
}

/** A CPU or memory-node list such as "0-3,7". */
export function isCpuList(s: string): boolean {
  return /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s);
}
