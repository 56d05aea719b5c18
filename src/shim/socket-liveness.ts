//! Whether a shim socket file is stale, from how a connect attempt to it failed. Only a refused
//! connection (nobody listens on the file) or a vanished file mean stale. Anything else — EAGAIN
//! from a full accept backlog, or no answer within the probe time — means a live daemon that is
//! busy: `start` must reuse it, never unlink its socket. (Under 200 concurrent `ctr run` into one
//! pod, treating EAGAIN as stale unlinked the pod shim's live socket: containerd then failed to
//! dial it, ENOENT.)

export function socketIsStale(connectErrorCode: string | undefined): boolean {
  return connectErrorCode === 'ECONNREFUSED' || connectErrorCode === 'ENOENT';
}
