// Our ttrpc server against a Go ttrpc client: `ctr shim --id ID state` dials the 1.6 shim socket
// `\0/containerd-shim/<ns>/<id>/shim.sock` (abstract, so nothing touches the filesystem) and calls
// containerd.task.v2.Task/State, printing the StateResponse as JSON.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { NotFoundError } from '../../../src/errors';
import { type CallContext, Server } from '../../../src/ttrpc';

jest.setTimeout(60_000);

const TASK = 'containerd.task.v2.Task';

function ctrShim(namespace: string, id: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ctr', ['-a', '/nonexistent/containerd.sock', '-n', namespace, 'shim', '--id', id, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') throw new Error(`ctr could not run (is Debian's containerd package installed?): ${err.message}`);
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** StateRequest{1 id, 2 exec_id} */
function decodeStateRequest(b: Uint8Array): { id: string } {
  const r = new BinaryReader(b);
  let id = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) id = r.string();
    else r.skip(tag & 7);
  }
  return { id };
}

/** StateResponse{1 id, 2 bundle, 3 pid, 4 status} (hand-encoded until the proto branch lands). */
function stateResponse(id: string, bundle: string, pid: number): Uint8Array {
  return new BinaryWriter().uint32(10).string(id).uint32(18).string(bundle).uint32(24).uint32(pid).uint32(32).int32(2).finish();
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = undefined;
});

async function serve(namespace: string, id: string, state: (req: Uint8Array, ctx: CallContext) => Promise<Uint8Array>): Promise<void> {
  server = new Server();
  server.registerRaw(TASK, 'State', state);
  await server.listen(`\0/containerd-shim/${namespace}/${id}/shim.sock\0`);
}

test('ctr shim state (Go ttrpc client) gets our StateResponse', async () => {
  const id = `ttrpc-${randomBytes(6).toString('hex')}`;
  const seen: string[] = [];
  await serve('ttrpc-it', id, async (req, ctx) => {
    seen.push(`${ctx.service}/${ctx.method} ${decodeStateRequest(req).id}`);
    return stateResponse(id, '/run/bundle', 4242);
  });
  const out = await ctrShim('ttrpc-it', id, 'state');
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  expect(JSON.parse(out.stdout)).toMatchObject({ id, bundle: '/run/bundle', pid: 4242, status: 2 });
  expect(seen).toEqual([`${TASK}/State ${id}`]);
});

test('a handler error reaches the Go client with its code and message', async () => {
  const id = `ttrpc-${randomBytes(6).toString('hex')}`;
  await serve('ttrpc-it', id, async () => {
    throw new NotFoundError('container not created');
  });
  const out = await ctrShim('ttrpc-it', id, 'state');
  expect(out.code).not.toBe(0);
  expect(out.stderr).toContain('code = NotFound desc = container not created');
});

test('a method the server does not have reaches the Go client as Unimplemented', async () => {
  const id = `ttrpc-${randomBytes(6).toString('hex')}`;
  await serve('ttrpc-it', id, async () => new Uint8Array());
  const out = await ctrShim('ttrpc-it', id, 'start');
  expect(out.code).not.toBe(0);
  expect(out.stderr).toContain('code = Unimplemented desc = unknown method Start of service containerd.task.v2.Task');
});
