import { ContainerSetupError, SyscallError } from '../../../src/linux/errors';
import { errnoName } from '../../../src/linux/errno';
import { exitStatusOf } from '../../../src/linux/reaper';

describe('linux errors', () => {
  it('names errnos', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(75)).toBe('EOVERFLOW');
    expect(errnoName(4242)).toBe('errno 4242');
  });

  it('SyscallError says what was done to what', () => {
    const e = new SyscallError('mount', 1, '/proc');
    expect(e).toMatchObject({ message: 'mount /proc: EPERM', code: 'EPERM', errno: 1, syscall: 'mount', path: '/proc' });
    expect(new SyscallError('eventfd', 24).message).toBe('eventfd: EMFILE');
  });

  it('ContainerSetupError is "<step>: <ERRNO>"', () => {
    const e = new ContainerSetupError('mount proc on /proc', 7, 'mount', '/proc', 1);
    expect(e).toMatchObject({ message: 'mount proc on /proc: EPERM', step: 'mount proc on /proc', stepIndex: 7, code: 'EPERM' });
    expect(new ContainerSetupError('exec "/nope"', 30, 'execve', '/nope', 2).message).toBe('exec "/nope": ENOENT');
  });

  it('maps waitid results to exit statuses', () => {
    expect(exitStatusOf({ pid: 5, code: 1, status: 7 })).toEqual({ status: 7 });
    expect(exitStatusOf({ pid: 5, code: 2, status: 15 })).toEqual({ status: 143, signal: 15 });
    expect(exitStatusOf({ pid: 5, code: 3, status: 11 })).toEqual({ status: 139, signal: 11 });
  });
});
