// Shared test fixtures: a service definition in ts-proto's generic-definitions shape using the
// generated ttrpc envelope types as payloads, and temp-dir unix socket helpers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Server } from '../../../src/ttrpc';
import { KeyValue, Request, StringList } from '../../../src/gen/ttrpc/request';

export const EchoDefinition = {
  name: 'Echo',
  fullName: 'test.ttrpc.v1.Echo',
  methods: {
    echo: { name: 'Echo', requestType: KeyValue, requestStream: false, responseType: KeyValue, responseStream: false, options: {} },
    list: { name: 'List', requestType: Request, requestStream: false, responseType: StringList, responseStream: false, options: {} },
    watch: { name: 'Watch', requestType: KeyValue, requestStream: false, responseType: KeyValue, responseStream: true, options: {} },
  },
} as const;

/** A temp dir that is removed by the returned cleanup. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttrpc-test-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Tracks servers and clients made by a test so afterEach can close them all. */
export class Rig {
  private readonly tmp = tempDir();
  private readonly servers: Server[] = [];
  private readonly clients: Client[] = [];
  private n = 0;

  socketPath(): string {
    return path.join(this.tmp.dir, `s${this.n++}.sock`);
  }

  async server(setup: (s: Server) => void, options: ConstructorParameters<typeof Server>[0] = {}): Promise<{ server: Server; path: string }> {
    const server = new Server(options);
    setup(server);
    const p = this.socketPath();
    await server.listen(p);
    this.servers.push(server);
    return { server, path: p };
  }

  client(p: string): Client {
    const c = new Client(p);
    this.clients.push(c);
    return c;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    await Promise.all(this.servers.map((s) => s.close({ graceMs: 0 })));
    this.tmp.remove();
  }
}
