// Property tests: whatever JSON comes in, validateSpec either returns a Spec or throws
// InvalidSpecError with at least one issue; it never throws anything else. Covers arbitrary JSON
// values, and runc's example spec with random subtrees replaced by random JSON.
import fc from 'fast-check';
import { InvalidSpecError } from '../../../src/errors';
import { parseSpecJson, stringifySpecJson } from '../../../src/runtime/json';
import { validateSpec } from '../../../src/runtime/validate';
import { fixture } from './helpers';

function validatesOrReports(raw: unknown): void {
  try {
    const spec = validateSpec(raw);
    // A valid result re-validates to the same thing (the output is itself a valid config).
    expect(validateSpec(parseSpecJson(stringifySpecJson(spec)))).toEqual(spec);
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err;
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) {
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(0);
    }
  }
}

const jsonValue = fc.oneof(fc.jsonValue(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.constant(null));

/** Replace the value at a random path of `base` with `value`. */
function graft(base: unknown, steps: number[], value: unknown): unknown {
  if (steps.length === 0 || base === null || typeof base !== 'object') return value;
  const keys = Object.keys(base);
  if (keys.length === 0) return value;
  const [step, ...rest] = steps as [number, ...number[]];
  const key = keys[step % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(base) ? ([...base] as unknown as Record<string, unknown>) : { ...(base as Record<string, unknown>) };
  copy[key] = graft((base as Record<string, unknown>)[key], rest, value);
  return copy;
}

describe('validateSpec never throws anything but InvalidSpecError', () => {
  test('arbitrary JSON', () => {
    fc.assert(fc.property(fc.anything(), validatesOrReports), { numRuns: 500 });
  });

  test('arbitrary JavaScript values (null prototypes, boxed values, bigint, sparse arrays)', () => {
    const anything = fc.anything({ withNullPrototype: true, withBoxedValues: true, withBigInt: true, withSparseArray: true, withMap: true, withSet: true, withDate: true });
    fc.assert(fc.property(anything, validatesOrReports), { numRuns: 500 });
  });

  test('arbitrary JSON objects with spec-like keys', () => {
    const key = fc.constantFrom('ociVersion', 'process', 'root', 'mounts', 'hooks', 'linux', 'hostname', 'annotations', 'x');
    fc.assert(fc.property(fc.dictionary(key, jsonValue), validatesOrReports), { numRuns: 500 });
  });

  for (const name of ['runc-spec.json', 'cri-besteffort-container.json', 'cri-guaranteed-userns.json']) {
    test(`${name} with a random subtree replaced`, () => {
      const base = fixture(name);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 6 }), jsonValue, (steps, value) => validatesOrReports(graft(base, steps, value))),
        { numRuns: 1000 },
      );
    });
  }
});
