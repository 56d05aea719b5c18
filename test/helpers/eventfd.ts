// eventfd(2) for tests through koffi, until src/linux exports one (the cgroups library takes it injected).
import koffi from 'koffi';

let fn: ((initval: number, flags: number) => number) | undefined;

export function eventfd(initval: number, flags: number): number {
  if (!fn) {
    const libc = koffi.load('libc.so.6');
    fn = libc.func('int eventfd(unsigned int initval, int flags)') as (initval: number, flags: number) => number;
  }
  const fd = fn(initval, flags);
  if (fd < 0) throw new Error(`eventfd: errno ${koffi.errno()}`);
  return fd;
}
