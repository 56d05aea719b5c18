//! Where the daemon publishes events, from `start`'s input. Kept apart from start-input.ts (which
//! loads the protobuf runtime) so `start` without stdin loads no protobuf code.
import type { StartInput } from './start-input';

/** The ttrpc address for events: BootstrapParams field 5 if given, else $TTRPC_ADDRESS; no unix://. */
export function ttrpcAddressOf(input: StartInput, env: NodeJS.ProcessEnv): string {
  const raw = (input.kind === 'bootstrap' ? input.params.containerdTtrpcAddress : '') || env.TTRPC_ADDRESS || '';
  return raw.startsWith('unix://') ? raw.slice('unix://'.length) : raw;
}
