import { parseFlags } from '../../../src/shim/flags';
import { InvalidArgumentError } from '../../../src/errors';

describe('parseFlags (Go flag semantics)', () => {
  it('parses the argv containerd 1.6 passes to start', () => {
    const f = parseFlags([
      '-namespace', 'default', '-address', '/run/c/containerd.sock', '-publish-binary', '/usr/bin/containerd',
      '-id', 'probe1', 'start',
    ]);
    expect(f).toMatchObject({
      namespace: 'default', address: '/run/c/containerd.sock', publishBinary: '/usr/bin/containerd',
      id: 'probe1', bundle: '', debug: false, action: 'start',
    });
  });

  it('parses delete with -bundle and -debug before the action (1.7/2.x)', () => {
    const f = parseFlags(['-namespace', 'k8s.io', '-address', 'a', '-publish-binary', 'p', '-id', 'x', '-bundle', '/b', '-debug', 'delete']);
    expect(f).toMatchObject({ bundle: '/b', debug: true, action: 'delete', namespace: 'k8s.io' });
  });

  it('accepts --flag, -flag=value and -bool=false', () => {
    const f = parseFlags(['--namespace=ns', '--id', 'i', '-debug=false', '-info=true']);
    expect(f).toMatchObject({ namespace: 'ns', id: 'i', debug: false, info: true, action: 'serve' });
  });

  it('takes the next word as a string value even if it starts with a dash', () => {
    expect(parseFlags(['-id', '-weird', 'start'])).toMatchObject({ id: '-weird', action: 'start' });
  });

  it('treats -v and -version as the version flag', () => {
    expect(parseFlags(['-v']).version).toBe(true);
    expect(parseFlags(['--version']).version).toBe(true);
  });

  it('stops at -- and at the first non-flag word', () => {
    expect(parseFlags(['-id', 'a', '--', 'delete']).action).toBe('delete');
    expect(parseFlags(['start', '-debug'])).toMatchObject({ action: 'start', debug: false });
  });

  it('runs as daemon with no action word', () => {
    expect(parseFlags(['-namespace', 'n', '-socket', '/s']).action).toBe('serve');
  });

  it.each([
    [['-nope'], 'flag provided but not defined: -nope'],
    [['-id'], 'flag needs an argument: -id'],
    [['---id', 'x'], 'bad flag syntax: ---id'],
    [['-=x'], 'bad flag syntax: -=x'],
    [['-debug=maybe'], 'invalid boolean value "maybe" for -debug'],
    [['frobnicate'], 'unknown action "frobnicate"'],
    [['constructor'], 'unknown action "constructor"'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags(argv)).toThrow(InvalidArgumentError);
    expect(() => parseFlags(argv)).toThrow(message);
  });
});
