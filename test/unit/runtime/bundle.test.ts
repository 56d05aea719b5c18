// loadBundleSpec against real files in a temp directory (removed after each test).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, InvalidSpecError, NotFoundError } from '../../../src/errors';
import { loadBundleSpec } from '../../../src/runtime/bundle';
import { fixtureText } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tsrun-bundle-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('loads runc spec output and resolves root.path against the bundle', async () => {
  writeFileSync(path.join(dir, 'config.json'), fixtureText('runc-spec.json'));
  const { spec, rootfs } = await loadBundleSpec(dir);
  expect(rootfs).toBe(path.join(dir, 'rootfs'));
  expect(spec.process?.args).toEqual(['sh']);
});

test('a relative bundle path is made absolute', async () => {
  writeFileSync(path.join(dir, 'config.json'), fixtureText('runc-spec.json'));
  const rel = path.relative(process.cwd(), dir);
  expect((await loadBundleSpec(rel)).rootfs).toBe(path.join(dir, 'rootfs'));
});

test('an absolute root.path is kept', async () => {
  writeFileSync(path.join(dir, 'config.json'), fixtureText('containerd-1.6-ctr-run.json'));
  expect((await loadBundleSpec(dir)).rootfs).toBe('/var/lib/tsrun-test/rootfs');
});

test('64-bit values in the file stay exact', async () => {
  writeFileSync(path.join(dir, 'config.json'), fixtureText('cri-guaranteed-userns.json'));
  const { spec } = await loadBundleSpec(dir);
  expect(spec.process?.rlimits?.[1]?.hard).toBe(18446744073709551615n);
});

test('missing config.json → NotFoundError naming the bundle', async () => {
  const err = await loadBundleSpec(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect((err as Error).message).toBe(`bundle ${dir}: config.json not found; create one (e.g. with \`tsrun spec\`) or pass the right bundle directory`);
});

test('missing bundle directory → NotFoundError', async () => {
  await expect(loadBundleSpec(path.join(dir, 'nope'))).rejects.toBeInstanceOf(NotFoundError);
});

test('config.json that is a directory → FailedPreconditionError', async () => {
  mkdirSync(path.join(dir, 'config.json'));
  await expect(loadBundleSpec(dir)).rejects.toThrow(FailedPreconditionError);
  await expect(loadBundleSpec(dir)).rejects.toThrow(/cannot read config.json: EISDIR/);
});

test('unreadable config.json → FailedPreconditionError naming the errno', async () => {
  const file = path.join(dir, 'config.json');
  writeFileSync(file, '{}');
  chmodSync(file, 0o000);
  const result = await loadBundleSpec(dir).catch((e: unknown) => e);
  if (process.getuid?.() === 0) {
    // root (as in CI) reads a 0000 file anyway; the empty config then fails validation.
    expect(result).toBeInstanceOf(InvalidSpecError);
  } else {
    expect(result).toBeInstanceOf(FailedPreconditionError);
    expect((result as Error).message).toMatch(/cannot read config.json: EACCES/);
  }
});

test('bad JSON → InvalidArgumentError with line and column', async () => {
  writeFileSync(path.join(dir, 'config.json'), '{\n  "ociVersion": "1.0.0",\n  "process": {,\n}');
  const err = await loadBundleSpec(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(err).not.toBeInstanceOf(InvalidSpecError);
  expect((err as Error).message).toMatch(new RegExp(`^${path.join(dir, 'config.json')}: not valid JSON: .*line 3 column 15`));
});

test('empty file → InvalidArgumentError', async () => {
  writeFileSync(path.join(dir, 'config.json'), '');
  await expect(loadBundleSpec(dir)).rejects.toThrow(/not valid JSON/);
});

test('invalid spec → InvalidSpecError with every issue', async () => {
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.0', process: { args: [], cwd: '/', user: { uid: 0, gid: 0 } }, root: { path: '' } }));
  const err = await loadBundleSpec(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidSpecError);
  expect((err as InvalidSpecError).issues.map((i) => i.path)).toEqual(['process.args', 'root.path']);
});
