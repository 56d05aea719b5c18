// Our ttrpc client against containerd's own (Go) ttrpc server: publish an event with
// containerd.services.events.ttrpc.v1.Events/Forward, as a shim does, and read it back with
// `ctr events`. Also checks that Go's status replies decode to the right codes.
import { type ChildProcess, spawn } from 'node:child_process';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Client, Code, TtrpcError } from '../../../src/ttrpc';
import { type PrivateContainerd, startContainerd } from './private-containerd';

jest.setTimeout(120_000);

const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';
const NAMESPACE_KEY = 'containerd-namespace-ttrpc';

// ForwardRequest{1 envelope: Envelope{1 timestamp, 2 namespace, 3 topic, 4 event: Any{1 type_url, 2 value}}}
// encoded by hand until the generated containerd events types land (proto branch).
function forwardRequest(envelope: { timestamp?: Date; namespace: string; topic: string; typeUrl: string; value: Uint8Array }): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(10).fork();
  if (envelope.timestamp) {
    const ms = envelope.timestamp.getTime();
    w.uint32(10).fork().uint32(8).int64(BigInt(Math.floor(ms / 1000))).uint32(16).int32((ms % 1000) * 1_000_000).join();
  }
  w.uint32(18).string(envelope.namespace);
  w.uint32(26).string(envelope.topic);
  w.uint32(34).fork().uint32(10).string(envelope.typeUrl).uint32(18).bytes(envelope.value).join();
  w.join();
  return w.finish();
}

/** containerd.events.NamespaceCreate{1 name} — a type `ctr events` can print. */
function namespaceCreate(name: string): Uint8Array {
  return new BinaryWriter().uint32(10).string(name).finish();
}

let containerd: PrivateContainerd;
let events: ChildProcess | undefined;
let eventsOut = '';

beforeAll(async () => {
  containerd = await startContainerd();
});

afterAll(async () => {
  if (events?.pid !== undefined && events.exitCode === null) {
    const exited = new Promise((resolve) => events!.once('exit', resolve));
    process.kill(events.pid, 'SIGTERM');
    await exited;
  }
  await containerd?.stop();
});

test('Events/Forward over containerd.sock.ttrpc shows up in `ctr events`', async () => {
  events = spawn('ctr', ['-a', containerd.address, 'events'], { stdio: ['ignore', 'pipe', 'pipe'] });
  events.stdout?.on('data', (b: Buffer) => (eventsOut += b.toString()));
  events.stderr?.on('data', (b: Buffer) => (eventsOut += b.toString()));

  const client = new Client(containerd.ttrpcAddress);
  try {
    // `ctr events` subscribes asynchronously: publish until one of ours arrives.
    const deadline = Date.now() + 60_000;
    let n = 0;
    while (!/probe-\d+/.test(eventsOut)) {
      if (Date.now() > deadline) throw new Error(`no event seen by ctr events; its output:\n${eventsOut}\ncontainerd log:\n${containerd.log()}`);
      const name = `probe-${n++}`;
      const reply = await client.call(
        EVENTS_SERVICE,
        'Forward',
        forwardRequest({ timestamp: new Date(), namespace: 'ttrpc-it', topic: '/ttrpc-test/forward', typeUrl: 'containerd.events.NamespaceCreate', value: namespaceCreate(name) }),
        { metadata: { [NAMESPACE_KEY]: 'ttrpc-it' }, timeoutMs: 5000 },
      );
      expect(reply).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 200));
    }
    const line = eventsOut.split('\n').find((l) => /probe-\d+/.test(l));
    expect(line).toMatch(/ ttrpc-it \/ttrpc-test\/forward \{"name":"probe-\d+"\}/);
  } finally {
    await client.close();
  }
});

test("containerd's Go ttrpc server statuses decode to codes: zero timestamp → INVALID_ARGUMENT, unknown method → UNIMPLEMENTED", async () => {
  const client = new Client(containerd.ttrpcAddress);
  try {
    const bad = client.call(
      EVENTS_SERVICE,
      'Forward',
      forwardRequest({ namespace: 'ttrpc-it', topic: '/ttrpc-test/forward', typeUrl: 'containerd.events.NamespaceCreate', value: namespaceCreate('x') }),
      { metadata: { [NAMESPACE_KEY]: 'ttrpc-it' } },
    );
    await expect(bad).rejects.toBeInstanceOf(TtrpcError);
    await expect(bad).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('timestamp') });
    await expect(client.call(EVENTS_SERVICE, 'NoSuchMethod', new Uint8Array())).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    await expect(client.call('no.such.Service', 'Forward', new Uint8Array())).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
  } finally {
    await client.close();
  }
});
