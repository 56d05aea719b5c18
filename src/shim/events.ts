//! Task events to containerd: one ordered queue, one event in flight, head-of-line retry with
//! backoff so a briefly unreachable containerd (restart) loses nothing and never reorders events.
//! Publishing never blocks RPC handling: `publish` only enqueues.

import { EventsDefinition } from '../gen/services/ttrpc/events/v1/events';
import { Client } from '../ttrpc/client';
import { Code, TtrpcError } from '../ttrpc/status';

/** google.protobuf.Timestamp as ts-proto (forceLong=bigint) represents it. */
export interface WireTimestamp {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** One event: topic, the payload Any (bare type URL, protobuf value) and when it happened. */
export interface QueuedEvent {
  readonly topic: string;
  readonly typeUrl: string;
  readonly value: Uint8Array;
  readonly timestamp: WireTimestamp;
}

/** Sends one event to containerd (Events/Forward with the namespace metadata); rejects on failure. */
export type ForwardFn = (event: QueuedEvent, namespace: string) => Promise<void>;

export interface PublisherLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface PublisherOptions {
  readonly namespace: string;
  readonly forward: ForwardFn;
  readonly logger: PublisherLogger;
  /** Delay before retry number `attempt` (1-based). Default 100 ms doubling up to 2 s. */
  readonly backoffMs?: (attempt: number) => number;
  /** Oldest events are dropped (and logged) beyond this many queued. Default 4096. */
  readonly maxQueued?: number;
}

/** Status codes containerd uses for an envelope it will never accept: retrying cannot help. */
const PERMANENT = new Set<Code>([Code.INVALID_ARGUMENT, Code.UNIMPLEMENTED, Code.PERMISSION_DENIED]);

export function timestampOf(date: Date): WireTimestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export class EventPublisher {
  private readonly queue: QueuedEvent[] = [];
  private running = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private wakeRetry: (() => void) | undefined;

  constructor(private readonly options: PublisherOptions) {}

  /** Enqueue an event stamped now (or at `at`). Returns at once. */
  publish(topic: string, typeUrl: string, value: Uint8Array, at: Date = new Date()): void {
    if (this.closed) {
      this.options.logger.warn({ topic }, 'event dropped: publisher closed');
      return;
    }
    const max = this.options.maxQueued ?? 4096;
    if (this.queue.length >= max) {
      const dropped = this.queue.shift();
      this.options.logger.error({ topic: dropped?.topic }, `event dropped: more than ${max} events queued`);
    }
    this.queue.push({ topic, typeUrl, value, timestamp: timestampOf(at) });
    if (!this.running) void this.drain();
  }

  /** Events not yet delivered. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolve true once every queued event is delivered, false if `timeoutMs` passes first. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
      this.wakeRetry?.();
    });
  }

  /** Stop delivering; queued events are dropped (flush first to deliver them). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.wakeRetry?.();
  }

  private async drain(): Promise<void> {
    this.running = true;
    let attempt = 0;
    while (this.queue.length > 0 && !this.closed) {
      const event = this.queue[0] as QueuedEvent;
      try {
        await this.options.forward(event, this.options.namespace);
        this.queue.shift();
        attempt = 0;
      } catch (err) {
        if (err instanceof TtrpcError && PERMANENT.has(err.code)) {
          this.options.logger.error({ topic: event.topic, err: err.message }, 'containerd rejected event; dropped');
          this.queue.shift();
          attempt = 0;
          continue;
        }
        attempt++;
        const delay = (this.options.backoffMs ?? defaultBackoff)(attempt);
        this.options.logger.warn({ topic: event.topic, attempt, err: (err as Error).message }, 'event not delivered; retrying');
        await this.sleep(delay);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeRetry = () => {
        this.wakeRetry = undefined;
        finish();
      };
    });
  }
}

function defaultBackoff(attempt: number): number {
  return Math.min(2000, 100 * 2 ** (attempt - 1));
}

/** containerd reads the namespace of a ttrpc call from this metadata key (namespaces/ttrpc.go). */
export const NAMESPACE_METADATA_KEY = 'containerd-namespace-ttrpc';

/** Per-attempt deadline of one Forward call, as containerd's own shims use. */
const FORWARD_TIMEOUT_MS = 5000;

/**
 * A ForwardFn over one ttrpc connection to containerd's `<address>.ttrpc` socket, reconnecting
 * after the connection is lost (containerd restarts). `close()` drops the connection.
 */
export function ttrpcForwarder(socketPath: string): { forward: ForwardFn; close(): Promise<void> } {
  let client: Client | undefined;
  const connect = (): Client => {
    if (client === undefined) {
      const fresh = new Client(socketPath);
      void fresh.closed.then(() => {
        if (client === fresh) client = undefined;
      });
      client = fresh;
    }
    return client;
  };
  return {
    async forward(event, namespace) {
      const events = connect().service(EventsDefinition);
      await events.forward(
        {
          envelope: {
            timestamp: event.timestamp,
            namespace,
            topic: event.topic,
            event: { typeUrl: event.typeUrl, value: Buffer.from(event.value) },
          },
        },
        { metadata: { [NAMESPACE_METADATA_KEY]: namespace }, timeoutMs: FORWARD_TIMEOUT_MS },
      );
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.close();
    },
  };
}
