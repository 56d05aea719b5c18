//! errno numbers ↔ names (Linux x86_64/aarch64 generic values).

const NAMES: readonly (string | undefined)[] = [
  undefined, 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP',
];
const MORE: Readonly<Record<number, string>> = {
  61: 'ENODATA', 62: 'ETIME', 75: 'EOVERFLOW', 95: 'EOPNOTSUPP', 98: 'EADDRINUSE', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 122: 'EDQUOT', 125: 'ECANCELED',
};

/** "EPERM" for 1; "errno 4242" for unknown numbers */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? MORE[errno] ?? `errno ${errno}`;
}

export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EBADF: 9, ECHILD: 10, EAGAIN: 11, EACCES: 13, EEXIST: 17,
  EINVAL: 22, ENOSYS: 38,
} as const;
