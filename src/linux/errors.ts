//! Typed errors of the Linux layer.

import { errnoName } from './errno';

/** A failed system call: `syscall` and `path` (when there is one) name what was done to what. */
export class SyscallError extends Error {
  readonly code: string;
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly path?: string,
  ) {
    super(`${syscall}${path === undefined ? '' : ` ${path}`}: ${errnoName(errno)}`);
    this.name = 'SyscallError';
    this.code = errnoName(errno);
  }
}

/** A step of a launch plan failed inside the container's init before execve (reported by native/).
 *  message: "<step>: <ERRNO>", e.g. `mount proc on /proc: EPERM`, `exec "/nope": ENOENT`. */
export class ContainerSetupError extends Error {
  readonly code: string;
  /** the process had been released from its start barrier: only execve itself failed (a bad
   *  interpreter, ENOEXEC…), the program was found and the process ran until then */
  afterStart = false;
  constructor(
    /** the plan step's label */
    readonly step: string,
    /** index of the failed op in plan.ops (-1: the spawn itself) */
    readonly stepIndex: number,
    readonly syscall: string,
    readonly path: string,
    readonly errno: number,
  ) {
    super(`${step}: ${errnoName(errno)}`);
    this.name = 'ContainerSetupError';
    this.code = errnoName(errno);
  }

  /** replace the errno part of the message by a sentence (for failures that are not a syscall's) */
  withDetail(detail: string): this {
    this.message = `${this.step}: ${detail}`;
    return this;
  }
}
