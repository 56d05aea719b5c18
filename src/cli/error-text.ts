//! The text the CLI prints for an error. A failed system call carries its errno name (`ENOENT`);
//! clients of runc's CLI classify failures by the C library's wording instead: Podman maps
//! "executable file not found in" / "no such file or directory" to exit 127 and "permission
//! denied" / "operation not permitted" to 126 (libpod getOCIRuntimeError). So errno names get that
//! wording appended, and a program not found on PATH reads as runc's.

import { ContainerSetupError, SyscallError } from '../linux/errors';

/** strerror(3) wording (lower case, as Go's syscall.Errno prints it) of the errnos a runtime meets. */
const STRERROR: Readonly<Record<string, string>> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EIO: 'input/output error',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  ETXTBSY: 'text file busy',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ELOOP: 'too many levels of symbolic links',
};

/** `exec "name"` of a bare name (no slash): the program was looked up on PATH. */
function isPathLookup(step: string): boolean {
  const m = /^exec (".*")$/.exec(step);
  if (m === null) return false;
  try {
    const name = JSON.parse(m[1]!) as unknown;
    return typeof name === 'string' && !name.includes('/');
  } catch {
    return false;
  }
}

export function cliErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { message } = err;
  if (!(err instanceof ContainerSetupError || err instanceof SyscallError)) return message;
  const text = STRERROR[err.code];
  if (text === undefined || !message.endsWith(`: ${err.code}`)) return message;
  if (err instanceof ContainerSetupError && err.code === 'ENOENT' && isPathLookup(err.step)) {
    return `${message} (executable file not found in $PATH)`;
  }
  return `${message} (${text})`;
}
