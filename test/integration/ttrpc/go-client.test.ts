// Our ttrpc server against a Go ttrpc client: `ctr shim --id ID state` dials the legacy abstract
// shim socket `@/containerd-shim/<ns>/<id>/shim.sock` (nothing touches the filesystem) and calls
// containerd.task.v2.Task/State, printing the StateResponse as JSON. ctr 1.6 puts a trailing NUL
// into the abstract name and 1.7 does not; abstract names compare by length, so we listen on both.
import { type StateRequest, type StateResponse, TaskDefinition } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { NotFoundError } from '../../../src/errors';
import { type CallContext, Server, unimplementedService } from '../../../src/ttrpc';
import { describeHarness } from '../../helpers/containerd';
import { type ContainerdHandle, uniqueId } from '../../helpers/env';
import { run } from '../../helpers/exec';

jest.setTimeout(60_000);

const TASK = 'containerd.task.v2.Task';

/** `ctr shim` of the handle's version; no daemon is involved, it dials the shim socket itself. */
function ctrShim(h: ContainerdHandle, namespace: string, id: string, ...args: string[]) {
  return run(h.ctr, ['--address', '/nonexistent/containerd.sock', '--namespace', namespace, 'shim', '--id', id, ...args], { timeoutMs: 30_000 });
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

async function serve(namespace: string, id: string, state: (req: StateRequest, ctx: CallContext) => Promise<StateResponse>): Promise<void> {
  server = new Server();
  server.register(TaskDefinition, { ...unimplementedService(TaskDefinition), state });
  const name = `\0/containerd-shim/${namespace}/${id}/shim.sock`;
  await server.listen(name);
  await server.listen(`${name}\0`);
}

describeHarness('ttrpc server ← Go ttrpc client (ctr shim)', (h) => {
  test('ctr shim state (Go ttrpc client) gets our StateResponse', async () => {
    const id = uniqueId('shim');
    const seen: string[] = [];
    await serve(h.namespace, id, async (req, ctx) => {
      seen.push(`${ctx.service}/${ctx.method} ${req.id}`);
      return { id, bundle: '/run/bundle', pid: 4242, status: Status.RUNNING, stdin: '', stdout: '', stderr: '', terminal: false, exitStatus: 0, exitedAt: undefined, execId: '' };
    });
    const out = await ctrShim(h, h.namespace, id, 'state');
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ id, bundle: '/run/bundle', pid: 4242, status: 2 });
    expect(seen).toEqual([`${TASK}/State ${id}`]);
  });

  test('a handler error reaches the Go client with its code and message', async () => {
    const id = uniqueId('shim');
    await serve(h.namespace, id, async () => {
      throw new NotFoundError('container not created');
    });
    const out = await ctrShim(h, h.namespace, id, 'state');
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('code = NotFound desc = container not created');
  });

  test('a method the service does not implement reaches the Go client as Unimplemented', async () => {
    const id = uniqueId('shim');
    await serve(h.namespace, id, async () => {
      throw new Error('not called');
    });
    const out = await ctrShim(h, h.namespace, id, 'start');
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('code = Unimplemented desc = containerd.task.v2.Task/Start is not implemented');
  });
});
