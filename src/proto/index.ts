//! Protobuf helpers on top of the generated src/gen code: Any packing with containerd's type URLs,
//! task events, runtime options, other Task API payloads, and Timestamp conversions.

export * from './any';
export * from './codec';
export * from './events';
export * from './options';
export * from './payloads';
export * from './timestamp';
export * from './type-urls';
