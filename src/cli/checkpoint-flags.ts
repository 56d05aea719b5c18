//! Flags of `tsrun checkpoint` and `tsrun restore`: runc's sets (unsupported ones are refused by
//! checkpoint.ts with a clear error, not silently ignored).

import type { FlagDef } from './args';

const COMMON: readonly FlagDef[] = [
  { name: 'image-path', type: 'string' },
  { name: 'work-path', type: 'string' },
  { name: 'tcp-established', type: 'boolean' },
  { name: 'ext-unix-sk', type: 'boolean' },
  { name: 'shell-job', type: 'boolean' },
  { name: 'file-locks', type: 'boolean' },
  { name: 'manage-cgroups-mode', type: 'string' },
  { name: 'empty-ns', type: 'string', multi: true },
  { name: 'auto-dedup', type: 'boolean' },
  { name: 'lazy-pages', type: 'boolean' },
  { name: 'help', short: 'h', type: 'boolean' },
];

export const CHECKPOINT_FLAGS: readonly FlagDef[] = [
  ...COMMON,
  { name: 'parent-path', type: 'string' },
  { name: 'leave-running', type: 'boolean' },
  { name: 'status-fd', type: 'string' },
  { name: 'page-server', type: 'string' },
  { name: 'pre-dump', type: 'boolean' },
];

export const RESTORE_FLAGS: readonly FlagDef[] = [
  ...COMMON,
  { name: 'console-socket', type: 'string' },
  { name: 'bundle', short: 'b', type: 'string' },
  { name: 'detach', short: 'd', type: 'boolean' },
  { name: 'pid-file', type: 'string' },
  { name: 'no-subreaper', type: 'boolean' },
  { name: 'no-pivot', type: 'boolean' },
  { name: 'lsm-profile', type: 'string' },
  { name: 'lsm-mount-context', type: 'string' },
];
