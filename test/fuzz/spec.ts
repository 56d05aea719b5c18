// Fuzz targets for config.json: validateSpec then buildPlan/buildProcessPlan on arbitrary JSON and
// on mutated real configs (test/unit/runtime/fixtures), also through parseBundleConfig on mutated
// JSON text. Only typed errors (ShimError subclasses, InvalidSpecError with issues) may come out,
// and a plan that comes out holds only finite numbers, strings, booleans, null and plain data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { InvalidSpecError, ShimError } from '../../src/errors';
import { parseBundleConfig } from '../../src/runtime/bundle';
import { parseSpecJson, stringifySpecJson } from '../../src/runtime/json';
import { buildPlan, buildProcessPlan, type PlanContext, type ProcessPlanContext } from '../../src/runtime/plan';
import type { Spec } from '../../src/runtime/spec';
import { validateSpec } from '../../src/runtime/validate';
import { applyJsonEdits, edgeNumber, json, jsonEdit, mutation, mutate, nastyString, prototypeName } from './arbitraries';
import { type FuzzTarget, syncTarget } from './target';

/** test/unit/runtime/fixtures, found from the repository root (the cwd of jest and scripts/fuzz.sh). */
export function fixturesDir(): string {
  const candidates = [path.resolve(__dirname, '../unit/runtime/fixtures'), path.resolve(process.cwd(), 'test/unit/runtime/fixtures')];
  const dir = candidates.find((d) => fs.existsSync(d));
  if (dir === undefined) throw new Error(`config fixtures not found in ${candidates.join(' or ')}`);
  return dir;
}

/** Every OCI config fixture (runc-features.json is not a config). */
export function configFixtures(): { name: string; text: string }[] {
  const dir = fixturesDir();
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && n !== 'runc-features.json')
    .sort()
    .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/** A thrown value is fine when typed; InvalidSpecError must list issues with paths and messages. */
export function expectTyped(err: unknown): void {
  if (!(err instanceof ShimError)) throw err;
  if (err instanceof InvalidSpecError) {
    assert.ok(err.issues.length > 0, 'InvalidSpecError without issues');
    for (const issue of err.issues) {
      assert.equal(typeof issue.path, 'string');
      assert.ok(typeof issue.message === 'string' && issue.message.length > 0, `issue at ${issue.path} without a message`);
    }
  }
}

/** A plan is plain data: no functions, symbols, undefined array slots, NaN or infinite numbers. */
export function checkPlainData(value: unknown, where = 'plan'): void {
  switch (typeof value) {
    case 'number':
      assert.ok(Number.isFinite(value), `${where} is ${value}`);
      return;
    case 'string':
    case 'boolean':
    case 'bigint':
      return;
    case 'undefined':
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          assert.notEqual(v, undefined, `${where}[${i}] is undefined`);
          checkPlainData(v, `${where}[${i}]`);
        });
        return;
      }
      for (const [k, v] of Object.entries(value)) checkPlainData(v, `${where}.${k}`);
      return;
    default:
      assert.fail(`${where} is a ${typeof value}`);
  }
}

const absPath = fc.oneof(fc.constantFrom('/b/rootfs', '/run/tsrun/c1/rootfs', '/'), nastyString);
const fd = fc.oneof(fc.integer({ min: -1, max: 20 }), edgeNumber);
const start = fc.oneof(fc.constant({ kind: 'pipe' as const }), absPath.map((p) => ({ kind: 'fifo' as const, path: p })));
const join = fc.array(absPath, { maxLength: 2 });

export const planContext: fc.Arbitrary<PlanContext> = fc.record(
  {
    id: fc.oneof(fc.constant('c1'), nastyString),
    rootfs: absPath,
    bundle: absPath,
    hostCapLast: fc.oneof(fc.constantFrom(40, 41), fc.integer({ min: -1, max: 64 })),
    stdio: fc.record({ stdin: fd, stdout: fd, stderr: fd }),
    extraFds: fc.array(fd, { maxLength: 2 }),
    start,
    noPivot: fc.boolean(),
    cgroup: fc.record(
      {
        join,
        mount: fc.oneof(
          fc.constant({ kind: 'v2' as const }),
          fc.record({ kind: fc.constant('v1' as const), hierarchies: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('memory', 'cpu,cpuacct'), nastyString, prototypeName), hostPath: absPath }), { maxLength: 3 }) }),
        ),
      },
      { requiredKeys: ['join'] },
    ),
  },
  { requiredKeys: ['id', 'rootfs', 'bundle', 'hostCapLast', 'stdio', 'start'] },
);

export const processPlanContext: fc.Arbitrary<ProcessPlanContext> = fc.record(
  {
    id: fc.oneof(fc.constant('c1'), nastyString),
    initPid: fc.oneof(fc.integer({ min: 1, max: 99999 }), edgeNumber),
    // the caller takes these from the container's validated spec: only real namespace types
    namespaceTypes: fc.uniqueArray(fc.constantFrom('pid', 'mount', 'network', 'ipc', 'uts', 'user', 'cgroup', 'time'), { maxLength: 4 }),
    hostCapLast: fc.oneof(fc.constant(40), fc.integer({ min: -1, max: 64 })),
    stdio: fc.record({ stdin: fd, stdout: fd, stderr: fd }),
    extraFds: fc.array(fd, { maxLength: 2 }),
    start,
    cgroup: fc.record({ join }),
  },
  { requiredKeys: ['id', 'initPid', 'namespaceTypes', 'hostCapLast', 'stdio', 'start'] },
);

function typedOrPlain(f: () => unknown): void {
  let result: unknown;
  try {
    result = f();
  } catch (err) {
    expectTyped(err);
    return;
  }
  checkPlainData(result);
}

/** validateSpec, then (when valid) both planners: typed errors or plain-data plans. */
export function validateThenPlan(raw: unknown, ctx: PlanContext, pctx: ProcessPlanContext): void {
  let spec: Spec;
  try {
    spec = validateSpec(raw);
  } catch (err) {
    expectTyped(err);
    return;
  }
  typedOrPlain(() => buildPlan(spec, ctx));
  typedOrPlain(() => buildProcessPlan(spec, pctx));
}

const SPEC_KEYS = ['ociVersion', 'process', 'root', 'mounts', 'hooks', 'linux', 'hostname', 'domainname', 'annotations'];

/** Arbitrary JSON, and objects whose top-level keys are the spec's with arbitrary values. */
export const specJson: FuzzTarget = syncTarget('spec.json', () =>
  fc.property(
    fc.oneof(json, fc.dictionary(fc.constantFrom(...SPEC_KEYS), json), fc.record({ ociVersion: fc.constant('1.0.2'), root: fc.constant({ path: 'rootfs' }), process: json, linux: json, mounts: json })),
    planContext,
    processPlanContext,
    validateThenPlan,
  ),
);

/** Real configs with structural edits (and sometimes byte edits of their JSON text), loaded the bundle way. */
export const specFixtures: FuzzTarget = syncTarget('spec.fixtures', () => {
  const fixtures = new Map(configFixtures().map((f) => [f.name, parseSpecJson(f.text)]));
  return fc.property(
    fc.constantFrom(...fixtures.keys()),
    fc.array(jsonEdit, { maxLength: 6 }),
    fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
    planContext,
    processPlanContext,
    (fixture, edits, byteEdits, ctx, pctx) => {
      let text = stringifySpecJson(applyJsonEdits(fixtures.get(fixture), edits)) ?? '';
      if (byteEdits.length > 0) text = Buffer.from(mutate(Buffer.from(text), byteEdits)).toString('utf8');
      let loaded: { spec: Spec; rootfs: string };
      try {
        loaded = parseBundleConfig(text, '/run/bundle');
      } catch (err) {
        expectTyped(err);
        return;
      }
      typedOrPlain(() => buildPlan(loaded.spec, { ...ctx, rootfs: loaded.rootfs, bundle: '/run/bundle' }));
      typedOrPlain(() => buildPlan(loaded.spec, ctx));
      typedOrPlain(() => buildProcessPlan(loaded.spec, pctx));
    },
  );
});
