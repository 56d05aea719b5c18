//! `-v` (version text like containerd-shim-runc-v2 prints) and `-info` (a protobuf
//! containerd.types.RuntimeInfo with the OCI features document, for containerd 2.x).

import { Any } from '../gen/google/protobuf/any';
import { RuntimeInfo } from '../gen/types/introspection';
import { featuresDocument } from '../runtime/features';
import { hostLsm } from '../linux/host';
import { BINARY_NAME, REVISION, RUNTIME_NAME, VERSION } from './version';

export const FEATURES_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/features/Features';

export function versionText(): string {
  return `${BINARY_NAME}:\n  Version:  ${VERSION}\n  Revision: ${REVISION}\n  Node version: ${process.version}\n\n`;
}

/** RuntimeInfo for `-info`; `stdin` is the optional options Any (echoed back). */
export function runtimeInfo(stdin: Uint8Array): Uint8Array {
  const options = stdin.length > 0 ? Any.decode(stdin) : undefined;
  const features = featuresDocument({ version: VERSION, ...(REVISION ? { commit: REVISION } : {}), hostLsm: hostLsm() });
  return RuntimeInfo.encode({
    name: RUNTIME_NAME,
    version: { version: VERSION, revision: REVISION },
    options,
    features: { typeUrl: FEATURES_TYPE_URL, value: Buffer.from(JSON.stringify(features)) },
    annotations: {},
  }).finish();
}
