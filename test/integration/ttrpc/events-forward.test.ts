// Our ttrpc client against containerd's own (Go) ttrpc server: publish an event with
// containerd.services.events.ttrpc.v1.Events/Forward on `<address>.ttrpc`, as a shim does, and
// read it back with `ctr events`. Also checks that Go's status replies decode to the right codes.
import { type ChildProcess, spawn } from 'node:child_process';
import { TaskOOM } from '../../../src/gen/events/task';
import { type ForwardRequest, EventsDefinition } from '../../../src/gen/services/ttrpc/events/v1/events';
import { Client, Code, TtrpcError } from '../../../src/ttrpc';
import { containerdLogTail, describeHarness } from '../../helpers/containerd';
import { uniqueId } from '../../helpers/env';

jest.setTimeout(120_000);

const NAMESPACE_KEY = 'containerd-namespace-ttrpc';

function oomEvent(namespace: string, containerId: string, timestamp: Date | undefined, topic = '/tasks/oom'): ForwardRequest {
  const ms = timestamp?.getTime() ?? 0;
  return {
    envelope: {
      timestamp: timestamp ? { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } : undefined,
      namespace,
      topic,
      event: { typeUrl: 'containerd.events.TaskOOM', value: Buffer.from(TaskOOM.encode({ containerId }).finish()) },
    },
  };
}

/** `ctr events` running in the background, its output collected. */
function watchEvents(ctr: string, address: string): { output(): string; stop(): Promise<void> } {
  let out = '';
  const child: ChildProcess = spawn(ctr, ['--address', address, 'events'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}

describeHarness('ttrpc client → containerd Events/Forward', (h) => {
  test('a forwarded event shows up in `ctr events` with its namespace and topic', async () => {
    const watcher = watchEvents(h.ctr, h.address);
    const client = new Client(h.ttrpcAddress);
    const events = client.service(EventsDefinition);
    const id = uniqueId('oom');
    try {
      // `ctr events` subscribes asynchronously: publish until one of ours arrives.
      const deadline = Date.now() + 60_000;
      for (let n = 0; !watcher.output().includes(id); n++) {
        if (Date.now() > deadline) throw new Error(`ctr events saw nothing; its output:\n${watcher.output()}\ncontainerd log:\n${containerdLogTail(h)}`);
        const reply = await events.forward(oomEvent(h.namespace, id, new Date()), { metadata: { [NAMESPACE_KEY]: h.namespace }, timeoutMs: 5000 });
        expect(reply).toEqual({});
        await new Promise((r) => setTimeout(r, 200));
      }
      const line = watcher.output().split('\n').find((l) => l.includes(id));
      expect(line).toContain(` ${h.namespace} /tasks/oom {"container_id":"${id}"}`);
    } finally {
      await client.close();
      await watcher.stop();
    }
  });

  // (A zero timestamp is no good probe: 1.6 rejects it, 1.7 turns a missing one into 1970.)
  test('Go ttrpc statuses decode to codes: bad topic → INVALID_ARGUMENT, unknown method/service → UNIMPLEMENTED', async () => {
    const client = new Client(h.ttrpcAddress);
    try {
      const bad = client.service(EventsDefinition).forward(oomEvent(h.namespace, 'x', new Date(), 'tasks/no-leading-slash'), { metadata: { [NAMESPACE_KEY]: h.namespace } });
      await expect(bad).rejects.toBeInstanceOf(TtrpcError);
      await expect(bad).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('tasks/no-leading-slash') });
      await expect(client.call(EventsDefinition.fullName, 'NoSuchMethod', new Uint8Array())).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
      await expect(client.call('no.such.Service', 'Forward', new Uint8Array())).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    } finally {
      await client.close();
    }
  });
});
