//! libseccomp (Debian's libseccomp2) through koffi: compiles a SeccompFilter (runtime/seccomp.ts)
//! to the BPF program the container child loads (native/seccomp.c). The second koffi importer
//! besides libc.ts (allowed in eslint.config.js): loaded lazily, so a host without libseccomp only
//! fails for configs that ask for seccomp.

import fs from 'node:fs';
import koffi from 'koffi';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import type { SeccompFilter } from '../runtime/seccomp';
import { errnoName } from './errno';
import { closeFd, O_CLOEXEC, O_NONBLOCK, pipe2 } from './libc';

/** the shared object (soname of Debian's libseccomp2); $TSRUN_LIBSECCOMP overrides it */
export const LIBSECCOMP = 'libseccomp.so.2';
export const LIBSECCOMP_PACKAGE = 'libseccomp2';

/** seccomp.h __NR_SCMP_ERROR: seccomp_syscall_resolve_name found no such syscall */
const NR_SCMP_ERROR = -1;
/** struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; uint64 datum_a, datum_b; } */
const ARG_CMP_SIZE = 24;

type Ctx = unknown;

interface Lib {
  init(defAction: number): Ctx | null;
  release(ctx: Ctx): void;
  archAdd(ctx: Ctx, token: number): number;
  archResolveName(name: string): number;
  syscallResolveName(name: string): number;
  ruleAddArray(ctx: Ctx, action: number, syscall: number, count: number, args: Buffer | null): number;
  exportBpf(ctx: Ctx, fd: number): number;
  version(): string;
}

let lib: Lib | undefined;

function load(): Lib {
  if (lib !== undefined) return lib;
  const file = process.env.TSRUN_LIBSECCOMP ?? LIBSECCOMP;
  let l: ReturnType<typeof koffi.load>;
  try {
    l = koffi.load(file);
  } catch (e) {
    throw new FailedPreconditionError(
      `linux.seccomp: cannot load ${file} (${(e as Error).message}); install Debian's ${LIBSECCOMP_PACKAGE} package (apt-get install ${LIBSECCOMP_PACKAGE}) or remove linux.seccomp`,
    );
  }
  // anonymous: koffi's type names are process-wide, and this module may be loaded more than once
  // per process (jest gives every test file its own module registry)
  const versionStruct = koffi.struct({ major: 'uint', minor: 'uint', micro: 'uint' });
  const versionFn = l.func('const void *seccomp_version(void)');
  lib = {
    init: l.func('void *seccomp_init(uint32_t def_action)'),
    release: l.func('void seccomp_release(void *ctx)'),
    archAdd: l.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)'),
    archResolveName: l.func('uint32_t seccomp_arch_resolve_name(const char *arch_name)'),
    syscallResolveName: l.func('int seccomp_syscall_resolve_name(const char *name)'),
    ruleAddArray: l.func('int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const uint8_t *arg_array)'),
    exportBpf: l.func('int seccomp_export_bpf(void *ctx, int fd)'),
    version: () => {
      const v = koffi.decode(versionFn(), versionStruct) as { major: number; minor: number; micro: number };
      return `${v.major}.${v.minor}.${v.micro}`;
    },
  };
  return lib;
}

/** libseccomp's version ("2.5.4"); throws FailedPreconditionError when it cannot be loaded */
export function libseccompVersion(): string {
  return load().version();
}

/** the syscall number libseccomp resolves `name` to on this (native) architecture, or undefined */
export function resolveSyscall(name: string): number | undefined {
  const nr = load().syscallResolveName(name);
  return nr === NR_SCMP_ERROR ? undefined : nr;
}

function argArray(rule: SeccompFilter['rules'][number]): Buffer | null {
  if (rule.conditions.length === 0) return null;
  const buf = Buffer.alloc(ARG_CMP_SIZE * rule.conditions.length);
  rule.conditions.forEach((c, i) => {
    const o = i * ARG_CMP_SIZE;
    buf.writeUInt32LE(c.index, o);
    buf.writeUInt32LE(c.op, o + 4);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.value), o + 8);
    buf.writeBigUInt64LE(BigInt.asUintN(64, c.valueTwo), o + 16);
  });
  return buf;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function exportProgram(l: Lib, ctx: Ctx): Buffer {
  // a BPF program is at most 4096 × 8 bytes: it fits a pipe's 64 KiB, and a non-blocking write end
  // turns anything larger into an error instead of a hang
  const [r, w] = pipe2(O_CLOEXEC | O_NONBLOCK);
  try {
    const rc = l.exportBpf(ctx, w);
    closeFd(w);
    if (rc < 0) throw new InvalidArgumentError(`linux.seccomp: libseccomp could not export the BPF program: ${errnoName(-rc)}`);
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = fs.readSync(r, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks);
  } finally {
    try {
      closeFd(w);
    } catch {
      // closed above
    }
    closeFd(r);
  }
}

/** What compileSeccomp did besides producing the program (for logs and tests). */
export interface CompiledSeccomp {
  /** the BPF program: struct sock_filter entries (8 bytes each, host byte order); shared with a
   *  cache, do not modify */
  readonly program: Buffer;
  /** syscall names libseccomp does not know on this architecture: skipped, as runc does */
  readonly unknownSyscalls: readonly string[];
}

/**
 * Compile `filter` with libseccomp: seccomp_init(default action), seccomp_arch_add for each extra
 * architecture, seccomp_rule_add_array per rule (unknown syscall names skipped), then
 * seccomp_export_bpf. Results are cached (the last 32 filters). Throws FailedPreconditionError when libseccomp is missing and
 * InvalidArgumentError (naming linux.seccomp and the rule) when libseccomp refuses something.
 */
export function compileSeccomp(filter: SeccompFilter): CompiledSeccomp {
  // containerd's default profile takes libseccomp 6–10 ms; a container's execs and a pod's
  // containers reuse a handful of profiles
  const key = JSON.stringify(filter, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = compileUncached(filter);
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** compiled programs by filter (least recently used first); the buffers are never mutated */
const cache = new Map<string, CompiledSeccomp>();
const CACHE_SIZE = 32;

function compileUncached(filter: SeccompFilter): CompiledSeccomp {
  const l = load();
  const ctx = l.init(filter.defaultAction >>> 0);
  if (ctx === null) throw new InvalidArgumentError(`linux.seccomp: libseccomp ${l.version()} refused the default action ${hex(filter.defaultAction)}`);
  try {
    for (const arch of filter.arches) {
      const token = l.archResolveName(arch);
      if (token === 0) {
        throw new InvalidArgumentError(`linux.seccomp.architectures: libseccomp ${l.version()} does not know the architecture "${arch}"; remove it`);
      }
      const rc = l.archAdd(ctx, token);
      // EEXIST: the native architecture is in every new filter
      if (rc < 0 && -rc !== 17) throw new InvalidArgumentError(`linux.seccomp.architectures: adding "${arch}": ${errnoName(-rc)}`);
    }
    const unknown = new Set<string>();
    for (const rule of filter.rules) {
      const nr = l.syscallResolveName(rule.syscall);
      if (nr === NR_SCMP_ERROR) {
        unknown.add(rule.syscall);
        continue;
      }
      const rc = l.ruleAddArray(ctx, rule.action >>> 0, nr, rule.conditions.length, argArray(rule));
      if (rc < 0) {
        throw new InvalidArgumentError(
          `linux.seccomp.syscalls: libseccomp refused the rule for "${rule.syscall}" (action ${hex(rule.action)}, ${rule.conditions.length} conditions): ${errnoName(-rc)}`,
        );
      }
    }
    return { program: exportProgram(l, ctx), unknownSyscalls: [...unknown] };
  } finally {
    l.release(ctx);
  }
}
