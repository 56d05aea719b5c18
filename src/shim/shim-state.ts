//! What the `delete` action needs when the daemon is gone, persisted in the bundle at Create:
//! the container id, namespace and the container library's state root (the container library
//! keeps the pid, cgroup and the rest under `<root>/<id>`).

import * as fs from 'node:fs';
import * as path from 'node:path';

export const SHIM_STATE_FILE = 'tsrun-shim.json';

export interface ShimState {
  readonly id: string;
  readonly namespace: string;
  readonly root: string;
}

export function writeShimState(bundle: string, state: ShimState): void {
  const file = path.join(bundle, SHIM_STATE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** The persisted state, or undefined when absent or unreadable (delete must tolerate both). */
export function readShimState(bundle: string): ShimState | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(bundle, SHIM_STATE_FILE), 'utf8')) as Partial<ShimState>;
    if (typeof raw.id !== 'string' || typeof raw.root !== 'string' || typeof raw.namespace !== 'string') return undefined;
    return { id: raw.id, namespace: raw.namespace, root: raw.root };
  } catch {
    return undefined;
  }
}

export function removeShimState(bundle: string): void {
  fs.rmSync(path.join(bundle, SHIM_STATE_FILE), { force: true });
}
