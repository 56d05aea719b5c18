//! ttrpc request metadata: repeated KeyValue on the wire, a map of lower-cased keys to value lists
//! in memory (Go ttrpc's `MD`). Keys are lower-cased on both sides, values keep their order.

import type { KeyValue } from '../gen/ttrpc/request';

/** Metadata as handlers see it: lower-cased key → values in wire order. */
export type Metadata = Map<string, string[]>;

/** What callers may pass: a Metadata map or a plain record of one value or several per key. */
export type MetadataInit = Metadata | ReadonlyMap<string, readonly string[]> | Readonly<Record<string, string | readonly string[]>>;

/** Build a Metadata map from the Request's KeyValue list, appending repeated keys in order. */
export function metadataFromKeyValues(list: readonly KeyValue[]): Metadata {
  const md: Metadata = new Map();
  for (const { key, value } of list) appendMetadata(md, key, value);
  return md;
}

/** Flatten metadata into the Request's KeyValue list (one entry per value). */
export function metadataToKeyValues(init: MetadataInit | undefined): KeyValue[] {
  if (init === undefined) return [];
  const entries: Iterable<readonly [string, string | readonly string[]]> = init instanceof Map ? init.entries() : Object.entries(init);
  const out: KeyValue[] = [];
  for (const [key, values] of entries) {
    const lower = key.toLowerCase();
    for (const value of typeof values === 'string' ? [values] : values) out.push({ key: lower, value });
  }
  return out;
}

/** Append one value under a (case-insensitive) key. */
export function appendMetadata(md: Metadata, key: string, value: string): void {
  const lower = key.toLowerCase();
  const list = md.get(lower);
  if (list) list.push(value);
  else md.set(lower, [value]);
}

/** The first value of a (case-insensitive) key, as Go's GetMetadataValue. */
export function firstMetadataValue(md: ReadonlyMap<string, readonly string[]>, key: string): string | undefined {
  return md.get(key.toLowerCase())?.[0];
}
