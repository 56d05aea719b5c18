import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { HookError, hookStateDocument, planHooks, runHooks, spawnHook } from '../../../src/container/hooks';
import type { OciState } from '../../../src/container/types';

const state: OciState = {
  ociVersion: '1.3.0',
  id: 'h1',
  status: 'creating',
  pid: 42,
  bundle: '/b',
  rootfs: '/b/rootfs',
  created: '2026-01-01T00:00:00.000000000Z',
  owner: '',
};

describe('planHooks', () => {
  it('maps each phase to invocations with argv, env, timeout and failure policy', () => {
    const spec = {
      hooks: {
        prestart: [{ path: '/a' }, { path: '/b', args: ['b0', 'x'], env: ['K=V'], timeout: 2 }],
        poststop: [{ path: '/c', timeout: 0 }],
      },
    };
    expect(planHooks(spec, 'prestart')).toEqual([
      { phase: 'prestart', index: 0, path: '/a', argv: ['/a'], env: [], timeoutMs: undefined, onFailure: 'abort', namespace: 'runtime' },
      { phase: 'prestart', index: 1, path: '/b', argv: ['b0', 'x'], env: ['K=V'], timeoutMs: 2000, onFailure: 'abort', namespace: 'runtime' },
    ]);
    expect(planHooks(spec, 'poststop')[0]).toMatchObject({ onFailure: 'warn', timeoutMs: undefined });
    expect(planHooks(spec, 'createContainer')).toEqual([]);
    expect(planHooks({}, 'poststart')).toEqual([]);
  });

  it('abort phases are the four before the user program; post-phases only warn', () => {
    const one = { hooks: Object.fromEntries(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'].map((p) => [p, [{ path: '/x' }]])) };
    const policy = (['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const).map(
      (p) => planHooks(one, p)[0]!.onFailure,
    );
    expect(policy).toEqual(['abort', 'abort', 'abort', 'abort', 'warn', 'warn']);
  });
});

describe('hookStateDocument', () => {
  it('is the runtime-spec State as runc sends it: no state extras, no pid once stopped, no empty annotations', () => {
    const base = { ...state, annotations: { a: 'b' } };
    expect(JSON.parse(hookStateDocument(base))).toEqual({ ociVersion: '1.3.0', id: 'h1', status: 'creating', pid: 42, bundle: '/b', annotations: { a: 'b' } });
    expect(JSON.parse(hookStateDocument({ ...base, status: 'stopped', pid: 0, annotations: {} }))).toEqual({ ociVersion: '1.3.0', id: 'h1', status: 'stopped', bundle: '/b' });
  });
});

describe('runHooks with real processes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-hooks-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes the state on stdin, only the hook env, and its args', async () => {
    const out = path.join(dir, 'out');
    const inv = planHooks({ hooks: { prestart: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${out}; echo >> ${out}; echo "$FOO:$HOME:$0:$1" >> ${out}`, 'arg1'], env: ['FOO=bar'] }] } }, 'prestart');
    await runHooks(inv, state);
    const [json, line] = fs.readFileSync(out, 'utf8').split('\n');
    expect(JSON.parse(json!)).toEqual({ ociVersion: state.ociVersion, id: state.id, status: state.status, pid: state.pid, bundle: state.bundle, annotations: state.annotations });
    expect(line).toBe('bar::arg1:'); // sh -c: $0 is the first arg after the script
  });

  it('a failing abort hook throws HookError with its output; later hooks do not run', async () => {
    const marker = path.join(dir, 'second');
    const inv = planHooks(
      { hooks: { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo out; echo err >&2; exit 4'] }, { path: '/bin/touch', args: ['touch', marker] }] } },
      'createRuntime',
    );
    const err = await runHooks(inv, state).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookError);
    expect((err as Error).message).toBe('error running createRuntime hook #0 (/bin/sh): exit status 4, stdout: out, stderr: err');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a warn hook failure is logged and the next hook still runs', async () => {
    const marker = path.join(dir, 'second');
    const inv = planHooks({ hooks: { poststop: [{ path: '/nonexistent/hook' }, { path: '/bin/touch', args: ['touch', marker] }] } }, 'poststop');
    const warnings: object[] = [];
    await runHooks(inv, state, { logger: { debug: () => {}, error: () => {}, warn: (o) => void warnings.push(o) } });
    expect(fs.existsSync(marker)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('ENOENT');
  });

  it('kills a hook at its timeout', async () => {
    const inv = planHooks({ hooks: { prestart: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] } }, 'prestart');
    const r = await spawnHook(inv[0]!, '{}');
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    await expect(runHooks(inv, state)).rejects.toThrow(/prestart hook #0 \(\/bin\/sleep\): timed out after 1s/);
  });
});
