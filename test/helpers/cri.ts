//! A small typed CRI v1 client (the calls kubelet makes) on @grpc/grpc-js, talking to a private
//! containerd's main socket. Messages are encoded and decoded by the ts-proto code generated from
//! proto/cri/runtime/v1/api.proto; errors keep the gRPC status code so tests can compare the error
//! class a runtime handler gives with runc's.
import * as grpc from '@grpc/grpc-js';
import { ImageServiceDefinition, RuntimeServiceDefinition } from '../../src/gen/cri/runtime/v1/api';

/** The containerd namespace the CRI plugin keeps its pods, containers and images in. */
export const CRI_NAMESPACE = 'k8s.io';

interface UnaryMethod {
  readonly name: string;
  readonly requestType: { fromPartial(o: never): unknown; encode(m: never): { finish(): Uint8Array } };
  readonly responseType: { decode(b: Uint8Array): unknown };
}

type Methods<D extends { methods: Record<string, UnaryMethod> }> = D['methods'];
/** What a method accepts: any part of its request message (the rest takes proto3 defaults). */
export type CriRequest<M extends UnaryMethod> = Parameters<M['requestType']['fromPartial']>[0];
export type CriResponse<M extends UnaryMethod> = ReturnType<M['responseType']['decode']>;

/** A failed CRI call: the gRPC status code (grpc.status) and the runtime's message. */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`CRI ${method} failed: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'CriError';
  }
}

export interface CriCallOptions {
  /** Per-call deadline in ms; default 120 s (a loaded machine starts pods slowly). */
  readonly timeoutMs?: number;
}

type Caller<D extends { fullName: string; methods: Record<string, UnaryMethod> }> = {
  [K in keyof Methods<D>]: (
    req: CriRequest<Methods<D>[K]>,
    opts?: CriCallOptions,
  ) => Promise<CriResponse<Methods<D>[K]>>;
};

export type RuntimeServiceClient = Caller<typeof RuntimeServiceDefinition>;
export type ImageServiceClient = Caller<typeof ImageServiceDefinition>;

export interface CriClient {
  readonly runtime: RuntimeServiceClient;
  readonly image: ImageServiceClient;
  /** Closes the channel; calls after this fail. */
  close(): void;
}

function bindService<D extends { fullName: string; methods: Record<string, UnaryMethod> }>(
  client: grpc.Client,
  def: D,
): Caller<D> {
  const out: Record<string, unknown> = {};
  for (const [key, m] of Object.entries(def.methods)) {
    const path = `/${def.fullName}/${m.name}`;
    out[key] = (req: unknown, opts: CriCallOptions = {}): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const message = m.requestType.fromPartial(req as never);
        client.makeUnaryRequest(
          path,
          (v: unknown) => Buffer.from(m.requestType.encode(v as never).finish()),
          (b: Buffer) => m.responseType.decode(b),
          message,
          new grpc.Metadata(),
          { deadline: Date.now() + (opts.timeoutMs ?? 120_000) },
          (err: grpc.ServiceError | null, value?: unknown) => {
            if (err) reject(new CriError(m.name, err.code, err.details));
            else resolve(value);
          },
        );
      });
  }
  return out as Caller<D>;
}

/** A CRI client on containerd's gRPC socket (unix path, as in ContainerdHandle.address). */
export function criClient(socketPath: string): CriClient {
  const client = new grpc.Client(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  return {
    runtime: bindService(client, RuntimeServiceDefinition),
    image: bindService(client, ImageServiceDefinition),
    close: () => client.close(),
  };
}
