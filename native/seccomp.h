/* Loading a seccomp filter compiled in the parent (src/linux/libseccomp.ts). Internal to native/. */
#ifndef TSRUN_SECCOMP_H
#define TSRUN_SECCOMP_H

#include <stdint.h>

/* seccomp(SECCOMP_SET_MODE_FILTER, flags, {n, insns}): insns are n struct sock_filter (8 bytes
 * each, 8-byte aligned). Returns 0, the listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) or -errno.
 * Async-signal-safe: called in the container child between clone and execve. */
long tsr_seccomp_set_filter(unsigned flags, const void *insns, uint16_t n);

#endif
