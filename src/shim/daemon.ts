//! The long-lived shim daemon: serves the Task API on the socket `start` bound (inherited as fd 3),
//! owns its containers as their parent and child subreaper, logs to the bundle's `log` FIFO and
//! publishes task events to containerd. It exits after Shutdown once no container remains, or on
//! SIGTERM/SIGINT after killing what it hosts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createContainer, restoreContainer, spawnExec } from '../container';
import { reaper, setChildSubreaper } from '../linux';
import { Server } from '../ttrpc/server';
import { EventPublisher, ttrpcForwarder } from './events';
import type { ShimFlags } from './flags';
import { openLogFd, shimLogger } from './log';
import { installMemoryReport } from './memory-report';
import { cgroupOomWatcher } from './oom';
import { linuxRootfs } from './rootfs';
import { LOG_LEVELS } from './runtime-options';
import { openProcessIO } from './stdio';
import { publisherSink } from './task-events';
import { TaskService } from './task-service';
import { registerTaskService } from './task-ttrpc';
import { idleDecision, lockPathOf, nodeWideIdleSeconds, sinceHandout, tryWithLock } from './node-wide';

/** Where containers' state lives unless the runtime options say otherwise (like runc's root). */
export function defaultStateRoot(namespace: string): string {
  return path.join('/run/containerd/tsrun', namespace);
}

const LISTEN_FD = 3;
const FLUSH_MS = 2000;

export async function runDaemon(flags: ShimFlags): Promise<void> {
  const bundle = path.resolve(flags.bundle !== '' ? flags.bundle : process.cwd());
  const logFd = openLogFd(path.join(bundle, 'log'));
  const envLevel = process.env.TSRUN_LOG_LEVEL;
  const level = flags.debug ? 'debug' : envLevel !== undefined && LOG_LEVELS.includes(envLevel) ? envLevel : 'info';
  const log = shimLogger(logFd, level, { namespace: flags.namespace });
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (kept serving)'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (kept serving)'));
  // Work from / so a deleted first bundle never matters (pod shims outlive it).
  process.chdir('/');

  setChildSubreaper(true);
  reaper().reapOrphans((pid, status) => log.debug({ pid, status: status.status }, 'reaped orphan'));

  const ttrpcAddress = process.env.TTRPC_ADDRESS || `${flags.address}.ttrpc`;
  const forwarder = ttrpcForwarder(ttrpcAddress.replace(/^unix:\/\//, ''));
  const publisher = new EventPublisher({ namespace: flags.namespace, forward: forwarder.forward, logger: log });
  const server = new Server({ logger: log });
  let exiting = false;

  // removeSocket false: the node-wide idle exit already removed it under the lock (a new daemon
  // may own the path by now).
  const exit = async (why: string, code: number, removeSocket = true): Promise<void> => {
    if (exiting) return;
    exiting = true;
    log.info({ why }, 'shim exiting');
    const flushed = await publisher.flush(FLUSH_MS);
    if (!flushed) log.warn({ pending: publisher.pending }, 'events not delivered before exit');
    publisher.close();
    await forwarder.close();
    if (removeSocket && flags.socket !== '') fs.rmSync(flags.socket, { force: true });
    // Let the last reply (Shutdown) reach containerd, then leave without waiting for clients.
    setTimeout(() => process.exit(code), 50);
    void server.close({ graceMs: 0 });
  };

  const service = new TaskService({
    namespace: flags.namespace,
    defaultRoot: defaultStateRoot(flags.namespace),
    logger: log,
    events: publisherSink(publisher),
    createContainer: (options) => createContainer(options),
    restoreContainer: (options) => restoreContainer(options),
    openIO: openProcessIO,
    rootfs: linuxRootfs,
    watchOom: cgroupOomWatcher(log),
    spawnExec: (container, execId, req) => spawnExec(container, execId, req),
    onShutdown: () => (idle !== undefined ? idle.arm() : void exit('shutdown requested and no container left', 0)),
  });
  // Node-wide mode: Shutdown never ends the daemon; it leaves after idling without containers.
  const idleSeconds = nodeWideIdleSeconds(process.env);
  const idle = idleSeconds === undefined || flags.socket === ''
    ? undefined
    : new IdleExit(idleSeconds * 1000, lockPathOf(flags.socket), () => service.size, log, () => {
      fs.rmSync(flags.socket, { force: true });
      void exit(`node-wide daemon idle for ${idleSeconds}s without containers`, 0, false);
    });
  registerTaskService(server, service);

  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal, containers: service.ids() }, 'signal received');
    void service.killAll(9).then(() => exit(`signal ${signal}`, 0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGPIPE', () => {});
  installMemoryReport(
    () => ({ ...service.tableSizes(), connections: server.connectionCount, eventsPending: publisher.pending }),
    (err) => log.warn({ err }, 'memory report failed'),
  );

  await server.listen({ fd: LISTEN_FD });
  log.info({ socket: flags.socket, id: flags.id, events: ttrpcAddress, nodeWide: idle !== undefined }, 'shim daemon serving');
  idle?.arm(); // a `start` whose Create never comes must not leave the daemon behind
}

/** The node-wide daemon's idle timer: re-checked under the lock, see node-wide.ts. */
class IdleExit {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly lockFile: string,
    private readonly containers: () => number,
    private readonly log: { info(o: object, m?: string): void; warn(o: object, m?: string): void },
    private readonly leave: () => void,
  ) {}

  arm(afterMs = this.idleMs): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), afterMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    if (this.containers() > 0) return; // the next Shutdown without containers re-arms
    try {
      const held = await tryWithLock(this.lockFile, () => {
        const decision = idleDecision(this.containers(), sinceHandout(this.lockFile));
        if (decision.kind === 'exit') this.leave(); // removes the socket while the lock is held
        return decision;
      });
      if (held === undefined) this.arm(1000); // a `start` holds the lock right now
      else if (held.value.kind === 'retry') this.arm(held.value.afterMs);
    } catch (err) {
      this.log.warn({ err }, 'node-wide idle check failed; retrying');
      this.arm(1000);
    }
  }
}

