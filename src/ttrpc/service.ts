//! Services: the method table a server dispatches to, filled from ts-proto "generic-definitions"
//! service objects (`{name, fullName, methods: {create: {name, requestType, responseType, …}}}`)
//! or from raw byte handlers (Go ttrpc's services.go).

import type { Metadata } from './metadata';
import { Code, TtrpcError } from './status';

/** The part of a ts-proto message object (`MessageFns<T>`) this package uses. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** One method of a ts-proto generic service definition. */
export interface MethodDefinition<Req = unknown, Res = unknown> {
  readonly name: string;
  readonly requestType: MessageCodec<Req>;
  readonly responseType: MessageCodec<Res>;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** A ts-proto generic service definition (`outputServices=generic-definitions`). */
export interface ServiceDefinition {
  readonly name: string;
  /** The wire name, e.g. `containerd.task.v2.Task`. */
  readonly fullName: string;
  readonly methods: { readonly [key: string]: MethodDefinition };
}

export type RequestOf<M> = M extends { readonly requestType: MessageCodec<infer T> } ? T : never;
export type ResponseOf<M> = M extends { readonly responseType: MessageCodec<infer T> } ? T : never;

/** Keys of the definition's unary methods (neither side streaming). */
export type UnaryMethodKeys<D extends ServiceDefinition> = {
  [K in keyof D['methods']]: D['methods'][K] extends { readonly requestStream: false; readonly responseStream: false } ? K : never;
}[keyof D['methods']];

/** What a handler learns about its call. */
export interface CallContext {
  /** Aborted when the client disconnects, the deadline passes, or the server is force-closed. */
  readonly signal: AbortSignal;
  readonly metadata: Metadata;
  readonly service: string;
  readonly method: string;
  /** The client's timeout in nanoseconds; 0n means none. */
  readonly timeoutNano: bigint;
}

/** A handler over encoded payloads. */
export type RawHandler = (payload: Uint8Array, ctx: CallContext) => Promise<Uint8Array>;

/** The implementation of a service: one async function per unary method, keyed like the definition. */
export type ServiceImplementation<D extends ServiceDefinition> = {
  readonly [K in UnaryMethodKeys<D>]: (request: RequestOf<D['methods'][K]>, ctx: CallContext) => Promise<ResponseOf<D['methods'][K]>>;
};

/** Result of looking a call up. */
export type Lookup = { readonly kind: 'unary'; readonly handler: RawHandler } | { readonly kind: 'unimplemented'; readonly message: string };

type Entry = Lookup;

/** Registered services by wire name, then methods by wire name. */
export class ServiceRegistry {
  private readonly services = new Map<string, Map<string, Entry>>();

  /** Register one raw unary method. Throws when the method is already registered. */
  registerRaw(service: string, method: string, handler: RawHandler): void {
    this.add(service, method, { kind: 'unary', handler });
  }

  /** Register every method of a definition; streaming (and missing) methods answer UNIMPLEMENTED. */
  register<D extends ServiceDefinition>(definition: D, impl: ServiceImplementation<D>): void {
    const methods = impl as unknown as Record<string, ((req: unknown, ctx: CallContext) => Promise<unknown>) | undefined>;
    for (const [key, def] of Object.entries(definition.methods)) {
      const where = `${definition.fullName}/${def.name}`;
      if (def.requestStream || def.responseStream) {
        this.add(definition.fullName, def.name, { kind: 'unimplemented', message: `streaming method ${where} is not supported by this server` });
        continue;
      }
      const fn = methods[key];
      if (typeof fn !== 'function') {
        this.add(definition.fullName, def.name, { kind: 'unimplemented', message: `method ${where} is not implemented` });
        continue;
      }
      this.add(definition.fullName, def.name, { kind: 'unary', handler: typedHandler(def, fn.bind(impl)) });
    }
    if (!this.services.has(definition.fullName)) this.services.set(definition.fullName, new Map());
  }

  lookup(service: string, method: string): Lookup {
    const methods = this.services.get(service);
    if (!methods) return { kind: 'unimplemented', message: `unknown service ${service}` };
    return methods.get(method) ?? { kind: 'unimplemented', message: `unknown method ${method} of service ${service}` };
  }

  private add(service: string, method: string, entry: Entry): void {
    let methods = this.services.get(service);
    if (!methods) this.services.set(service, (methods = new Map()));
    if (methods.has(method)) throw new Error(`ttrpc: method ${service}/${method} is already registered`);
    methods.set(method, entry);
  }
}

function typedHandler(def: MethodDefinition, fn: (req: unknown, ctx: CallContext) => Promise<unknown>): RawHandler {
  return async (payload, ctx) => {
    let request: unknown;
    try {
      request = def.requestType.decode(payload);
    } catch (err) {
      throw new TtrpcError(Code.INVALID_ARGUMENT, `decode ${ctx.service}/${ctx.method} request: ${(err as Error).message}`, { cause: err });
    }
    const response = await fn(request, ctx);
    return def.responseType.encode(response).finish();
  };
}

/**
 * An implementation whose every unary method fails with UNIMPLEMENTED naming it, to spread under
 * the methods that exist (`{ ...unimplementedService(TaskDefinition), create, start }`), like
 * grpc-go's embedded `Unimplemented…Server`.
 */
export function unimplementedService<D extends ServiceDefinition>(definition: D): ServiceImplementation<D> {
  const impl: Record<string, () => Promise<never>> = {};
  for (const [key, def] of Object.entries(definition.methods)) {
    if (def.requestStream || def.responseStream) continue;
    impl[key] = () => Promise.reject(new TtrpcError(Code.UNIMPLEMENTED, `${definition.fullName}/${def.name} is not implemented`));
  }
  return impl as unknown as ServiceImplementation<D>;
}
