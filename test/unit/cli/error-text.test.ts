import { cliErrorText } from '../../../src/cli/error-text';
import { InvalidArgumentError } from '../../../src/errors';
import { ContainerSetupError, SyscallError } from '../../../src/linux/errors';

describe('cliErrorText', () => {
  it('says "executable file not found in $PATH" for a bare name that the PATH search (stat, then execve) did not find (podman: 127)', () => {
    const e = new ContainerSetupError('exec "nosuchcmd"', 30, 'stat', 'nosuchcmd', 2);
    expect(cliErrorText(e)).toBe('exec "nosuchcmd": ENOENT (executable file not found in $PATH)');
  });

  it('adds strerror wording to errno names (podman: no such file → 127, permission denied → 126)', () => {
    expect(cliErrorText(new ContainerSetupError('exec "/nope"', 30, 'execve', '/nope', 2))).toBe('exec "/nope": ENOENT (no such file or directory)');
    expect(cliErrorText(new ContainerSetupError('exec "/etc"', 30, 'execve', '/etc', 13))).toBe('exec "/etc": EACCES (permission denied)');
    expect(cliErrorText(new ContainerSetupError('mount proc on /proc', 7, 'mount', '/proc', 1))).toBe('mount proc on /proc: EPERM (operation not permitted)');
    expect(cliErrorText(new SyscallError('open', 20, '/x/y'))).toBe('open /x/y: ENOTDIR (not a directory)');
  });

  it('leaves other messages alone', () => {
    expect(cliErrorText(new InvalidArgumentError('--memory: invalid size "x"'))).toBe('--memory: invalid size "x"');
    const detailed = new ContainerSetupError('spawn container c', -1, 'clone', '', 4).withDetail('the child exited (status 1) before it was ready');
    expect(cliErrorText(detailed)).toBe('spawn container c: the child exited (status 1) before it was ready');
    expect(cliErrorText(new SyscallError('frob', 4242))).toBe('frob: errno 4242');
    expect(cliErrorText('plain')).toBe('plain');
  });
});
