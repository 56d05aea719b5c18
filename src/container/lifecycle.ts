//! createContainer / loadContainer / listContainers: the entry points of the container library.

import { UnimplementedError } from '../errors';
import type { Container, CreateOptions } from './types';

/**
 * Create a container from a bundle and leave it in `created`: namespaces and mounts set up, the
 * process placed in its cgroup and waiting at the start barrier; createRuntime, createContainer and
 * prestart hooks have run. Fails with AlreadyExistsError when `<root>/<id>` exists, NotFoundError
 * for a missing bundle/config.json, InvalidSpecError for a bad config.json; nothing is left behind
 * on failure (process killed, cgroup and state removed).
 */
export async function createContainer(_options: CreateOptions): Promise<Container> {
  throw new UnimplementedError('createContainer: not implemented yet');
}

/** Open an existing container's persisted state. NotFoundError: `container "<id>" does not exist`. */
export async function loadContainer(_root: string, _id: string): Promise<Container> {
  throw new UnimplementedError('loadContainer: not implemented yet');
}

/** Every container under `root`, sorted by id (a missing root is an empty list). */
export async function listContainers(_root: string): Promise<Container[]> {
  throw new UnimplementedError('listContainers: not implemented yet');
}
