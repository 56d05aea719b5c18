import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TaskExit } from '../../../src/gen/events/task';
import { EventsDefinition, type ForwardRequest } from '../../../src/gen/services/ttrpc/events/v1/events';
import { Server } from '../../../src/ttrpc/server';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { EventPublisher, NAMESPACE_METADATA_KEY, ttrpcForwarder } from '../../../src/shim/events';
import { encodeTaskEvent, publisherSink } from '../../../src/shim/task-events';

const quiet = { warn: () => {}, error: () => {}, debug: () => {} };

interface Received {
  request: ForwardRequest;
  namespace: string | undefined;
}

/** A ttrpc server playing containerd's events endpoint. `failNext` makes the next calls fail. */
async function fakeContainerd(socket: string) {
  const received: Received[] = [];
  const failures: TtrpcError[] = [];
  // Track connections: a restart of containerd drops them (Server.close alone waits for clients).
  const sockets = new Set<import('node:net').Socket>();
  const server = new Server({ onConnection: (s) => void (sockets.add(s), s.on('close', () => sockets.delete(s))) });
  server.register(EventsDefinition, {
    forward: async (request, ctx) => {
      const failure = failures.shift();
      if (failure) throw failure;
      received.push({ request, namespace: ctx.metadata.get(NAMESPACE_METADATA_KEY)?.[0] });
      return {};
    },
  });
  await server.listen(socket);
  const stop = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await server.close({ graceMs: 0 });
  };
  return { stop, received, failures };
}

function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (cond()) resolve();
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe('event publisher over ttrpc', () => {
  let dir: string;
  let socket: string;
  const closers: Array<() => Promise<unknown> | void> = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-ev-'));
    socket = path.join(dir, 'containerd.sock.ttrpc');
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function publisher(backoffMs = () => 20) {
    const fwd = ttrpcForwarder(socket);
    const pub = new EventPublisher({ namespace: 'default', forward: fwd.forward, logger: quiet, backoffMs });
    closers.push(() => fwd.close(), () => pub.close());
    return pub;
  }

  it('forwards envelopes in order with namespace, topic, bare type URL, timestamp and metadata', async () => {
    const ctrd = await fakeContainerd(socket);
    closers.push(() => ctrd.stop());
    const pub = publisher();
    const sink = publisherSink(pub);
    sink.emit({ topic: '/tasks/create', body: { containerId: 'c1', bundle: '/b', rootfs: [], io: undefined, checkpoint: '', pid: 7 } });
    sink.emit({ topic: '/tasks/start', body: { containerId: 'c1', pid: 7 } });
    const exit = { containerId: 'c1', id: 'c1', pid: 7, exitStatus: 137, exitedAt: { seconds: 5n, nanos: 6 } };
    sink.emit({ topic: '/tasks/exit', body: exit });
    expect(await pub.flush(5000)).toBe(true);
    expect(ctrd.received.map((r) => r.request.envelope?.topic)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit']);
    const env = ctrd.received[2]!.request.envelope!;
    expect(env.namespace).toBe('default');
    expect(env.event?.typeUrl).toBe('containerd.events.TaskExit');
    expect(TaskExit.decode(env.event!.value)).toEqual(exit);
    expect(env.timestamp!.seconds).toBeGreaterThan(0n);
    expect(ctrd.received.every((r) => r.namespace === 'default')).toBe(true);
  });

  it('keeps events while containerd is unreachable and delivers them in order once it is back', async () => {
    const pub = publisher();
    for (let i = 0; i < 5; i++) pub.publish('/tasks/oom', 'containerd.events.TaskOOM', encodeTaskEvent({ topic: '/tasks/oom', body: { containerId: `c${i}` } }).value);
    await new Promise((r) => setTimeout(r, 100));
    expect(pub.pending).toBe(5);
    const ctrd = await fakeContainerd(socket);
    closers.push(() => ctrd.stop());
    expect(await pub.flush(5000)).toBe(true);
    const ids = ctrd.received.map((r) => r.request.envelope!.event!.value.toString('latin1').slice(2));
    expect(ids).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });

  it('survives containerd restarting (connection dropped) and transient errors, drops rejected events', async () => {
    let ctrd = await fakeContainerd(socket);
    const pub = publisher();
    pub.publish('/tasks/oom', 'containerd.events.TaskOOM', new Uint8Array());
    expect(await pub.flush(5000)).toBe(true);
    await ctrd.stop();
    fs.rmSync(socket, { force: true });
    pub.publish('/tasks/oom', 'containerd.events.TaskOOM', new Uint8Array([10, 1, 97]));
    await new Promise((r) => setTimeout(r, 80));
    ctrd = await fakeContainerd(socket);
    closers.push(() => ctrd.stop());
    ctrd.failures.push(new TtrpcError(Code.UNAVAILABLE, 'busy'), new TtrpcError(Code.INVALID_ARGUMENT, 'bad topic'));
    pub.publish('/tasks/oom', 'containerd.events.TaskOOM', new Uint8Array([10, 1, 98]));
    await until(() => pub.pending === 0);
    expect(await pub.flush(5000)).toBe(true);
    // The first event after the restart hit UNAVAILABLE (retried) then INVALID_ARGUMENT (dropped).
    expect(ctrd.received.map((r) => r.request.envelope!.event!.value.toString('latin1'))).toEqual(['\n\x01b']);
  });

  it('flush reports false when containerd never comes back', async () => {
    const pub = publisher(() => 10);
    pub.publish('/tasks/oom', 'containerd.events.TaskOOM', new Uint8Array());
    expect(await pub.flush(100)).toBe(false);
    expect(pub.pending).toBe(1);
  });
});
