//! tsrun's error classes. Each carries the ttrpc status code it maps to; the code is applied once,
//! at the ttrpc edge. Messages say what was done to what and, for bad input, name the field and fix.

import { Code, TtrpcError } from './ttrpc/status';

export abstract class ShimError extends TtrpcError {}

/** Unknown container or exec id, an operation on a finished or deleted process. */
export class NotFoundError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.NOT_FOUND, message, options);
  }
}

/** A container id or exec id that is already in use. */
export class AlreadyExistsError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.ALREADY_EXISTS, message, options);
  }
}

/** The operation is not allowed in the current state (start a stopped process, delete a running one). */
export class FailedPreconditionError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.FAILED_PRECONDITION, message, options);
  }
}

/** Bad input: an invalid config.json field, an unparsable Any, an empty id. */
export class InvalidArgumentError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.INVALID_ARGUMENT, message, options);
  }
}

/** A call or feature this build does not implement yet. */
export class UnimplementedError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.UNIMPLEMENTED, message, options);
  }
}

/** Out of a resource: a full disk (ENOSPC) or quota (EDQUOT) while writing state. */
export class ResourceExhaustedError extends ShimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.RESOURCE_EXHAUSTED, message, options);
  }
}

/** One failure reported by the config.json validator: a JSON path and what is wrong there. */
export interface SpecIssue {
  readonly path: string;
  readonly message: string;
}

/** config.json failed validation; `issues` lists every problem found, each with its JSON path. */
export class InvalidSpecError extends InvalidArgumentError {
  constructor(readonly issues: readonly SpecIssue[]) {
    super(`config.json: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/**
 * A cgroup file could not be read or written, or a cgroup directory could not be made or removed.
 * The message names the file and the value: ``cgroup memory.limit_in_bytes=1000: EBUSY (…) in /sys/…``.
 */
export class CgroupError extends ShimError {
  constructor(
    readonly file: string,
    readonly value: string | undefined,
    readonly errno: string,
    readonly dir: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    super(
      Code.UNKNOWN,
      `cgroup ${file}${value === undefined ? '' : `=${value}`}: ${errno}${hint ? ` (${hint})` : ''} in ${dir}`,
      options,
    );
  }
}
