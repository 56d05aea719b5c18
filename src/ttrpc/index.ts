//! ttrpc for Node: framing, server, client and service registration. Knows nothing about containerd.

export { Client, ConnectionClosedError, type CallOptions, type ClientOptions, type ServiceClient } from './client';
export {
  decodeHeader,
  encodeFrame,
  FLAG_NO_DATA,
  FLAG_REMOTE_CLOSED,
  FLAG_REMOTE_OPEN,
  FrameDecoder,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_LENGTH_MAX,
  MESSAGE_TYPE_DATA,
  MESSAGE_TYPE_REQUEST,
  MESSAGE_TYPE_RESPONSE,
  type Decoded,
  type Frame,
  type FrameHeader,
} from './frame';
export { listeningFd, socketFd } from './listen-fd';
export { appendMetadata, firstMetadataValue, metadataFromKeyValues, metadataToKeyValues, type Metadata, type MetadataInit } from './metadata';
export { Server, type CloseOptions, type ListenTarget, type ServerOptions } from './server';
export { unimplementedService } from './service';
export type {
  CallContext,
  MessageCodec,
  MethodDefinition,
  RawHandler,
  RequestOf,
  ResponseOf,
  ServiceDefinition,
  ServiceImplementation,
  UnaryMethodKeys,
} from './service';
export { Code, statusOf, TtrpcError } from './status';
