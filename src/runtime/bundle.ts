//! Loading an OCI bundle's config.json: read (the only I/O in runtime/), parse with exact 64-bit
//! integers, validate, and resolve root.path against the bundle directory.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors';
import { parseSpecJson } from './json';
import type { Spec } from './spec';
import { validateSpec } from './validate';

export interface BundleSpec {
  readonly spec: Spec;
  /** root.path made absolute: relative paths are taken from the bundle directory. */
  readonly rootfs: string;
}

/**
 * Read, parse and validate `<bundleDir>/config.json`.
 * @throws NotFoundError when config.json does not exist, FailedPreconditionError when it cannot be
 * read, InvalidArgumentError for malformed JSON (with line and column), InvalidSpecError for
 * validation failures.
 */
export async function loadBundleSpec(bundleDir: string): Promise<BundleSpec> {
  const bundle = path.resolve(bundleDir);
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new NotFoundError(`bundle ${bundle}: config.json not found; create one (e.g. with \`tsrun spec\`) or pass the right bundle directory`, { cause: err });
    }
    throw new FailedPreconditionError(`bundle ${bundle}: cannot read config.json: ${code ?? (err as Error).message}`, { cause: err });
  }
  return parseBundleConfig(text, bundle);
}

/** The pure half of loadBundleSpec: parse and validate config.json text of the bundle `bundleDir`. */
export function parseBundleConfig(text: string, bundleDir: string): BundleSpec {
  let raw: unknown;
  try {
    raw = parseSpecJson(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`${path.join(bundleDir, 'config.json')}: not valid JSON: ${detail}`, { cause: err });
  }
  const spec = validateSpec(raw);
  // validateSpec requires root.path, so root is always present here.
  const rootfs = path.resolve(bundleDir, spec.root?.path ?? 'rootfs');
  return { spec, rootfs };
}
