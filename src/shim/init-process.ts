//! The shim's record of one container's init process: its lifecycle status as containerd sees it
//! (created → running → stopped), its stdio, and its exit, which every Wait shares.

import type { Container } from '../container';
import type { StdioRequest, ProcessIO } from './ports';

export type InitStatus = 'created' | 'running' | 'stopped';

export interface ExitRecord {
  readonly status: number;
  readonly exitedAt: Date;
}

export class InitProcess {
  status: InitStatus = 'created';
  exit: ExitRecord | undefined;
  /** A Start is in flight: its TaskStart must be published before this process's TaskExit. */
  starting = false;
  /** Set by Delete so a second Delete (or Kill) sees NotFound while cleanup runs. */
  deleting = false;
  readonly exited: Promise<ExitRecord>;
  private resolveExit!: (exit: ExitRecord) => void;

  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly container: Container,
    readonly io: ProcessIO,
    readonly stdio: StdioRequest,
    readonly rootfsMounted: boolean,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get pid(): number {
    return this.container.pid;
  }

  /** Record the exit once; later calls are ignored. */
  recordExit(exit: ExitRecord): boolean {
    if (this.exit !== undefined) return false;
    this.exit = exit;
    this.status = 'stopped';
    this.resolveExit(exit);
    return true;
  }
}
