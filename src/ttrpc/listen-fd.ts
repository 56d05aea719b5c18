//! The one place that reaches into Node's private socket handles to get their file descriptors.

import type { Socket, Server as NetServer } from 'node:net';

/**
 * The file descriptor of a listening `net.Server`, e.g. to pass a bound unix socket to a child
 * process (`spawn(…, { stdio: ['ignore', 'ignore', 'ignore', fd] })`; the child then calls
 * `listen({ fd: 3 })`).
 *
 * Node has no public API for this: it reads the private `_handle.fd` of the libuv pipe/tcp handle,
 * which Node has exposed on Unix for a long time. The fd belongs to the server: it is closed by
 * `server.close()`, and closing a server that was bound to a path also unlinks that path (libuv
 * does this for pipes it bound itself), so a parent handing its socket to a child should exit
 * without closing the server rather than close it.
 *
 * @throws Error when the server is not listening or the handle has no fd.
 */
export function listeningFd(server: NetServer): number {
  const handle = (server as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('listeningFd: the net.Server has no listening handle with an fd; call it after listen() has completed');
  }
  return fd;
}

/**
 * The file descriptor of a connected socket (e.g. for a SO_PEERCRED check in
 * `ServerOptions.onConnection`). Same private `_handle.fd` as listeningFd; the fd stays owned by
 * the socket, so never close it.
 *
 * @throws Error when the socket has no open handle.
 */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('socketFd: the socket has no open handle with an fd (not connected, or already closed)');
  return fd;
}
