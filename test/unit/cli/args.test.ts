import { parseCommandLine, UsageError } from '../../../src/cli/args';

describe('tsrun command line', () => {
  it('parses global flags, the command, its flags and positionals', () => {
    const p = parseCommandLine(['--root', '/tmp/r', '--log-format=json', '--debug', 'create', '-b', '/bundle', '--pid-file=/p', 'ctr']);
    expect(p.global).toMatchObject({ root: '/tmp/r', 'log-format': 'json', debug: true, 'systemd-cgroup': undefined });
    expect(p.command?.name).toBe('create');
    expect(p.flags).toMatchObject({ bundle: '/bundle', 'pid-file': '/p', 'no-pivot': undefined });
    expect(p.args).toEqual(['ctr']);
  });

  it('defaults --root to /run/tsrun and list format to table', () => {
    const p = parseCommandLine(['list']);
    expect(p.global.root).toBe('/run/tsrun');
    expect(p.flags).toMatchObject({ format: 'table', quiet: undefined });
  });

  it('stops parsing flags at the first positional (runc/urfave semantics)', () => {
    const p = parseCommandLine(['kill', '--all', 'c1', 'KILL']);
    expect(p.flags.all).toBe(true);
    expect(p.args).toEqual(['c1', 'KILL']);
    expect(parseCommandLine(['ps', 'c1', '-o', 'pid']).args).toEqual(['c1', '-o', 'pid']);
    expect(parseCommandLine(['delete', '--', '-weird']).args).toEqual(['-weird']);
  });

  it('accepts single-dash long flags and short aliases', () => {
    expect(parseCommandLine(['-root', '/r', 'delete', '-f', 'x']).flags.force).toBe(true);
    expect(parseCommandLine(['run', '-d', '--bundle', 'b', 'x']).flags).toMatchObject({ detach: true, bundle: 'b' });
  });

  it('reports usage errors with runc wording', () => {
    expect(() => parseCommandLine(['start'])).toThrow('tsrun: "start" requires exactly 1 argument(s)');
    expect(() => parseCommandLine(['kill'])).toThrow('tsrun: "kill" requires a minimum of 1 argument(s)');
    expect(() => parseCommandLine(['kill', 'a', 'b', 'c'])).toThrow('tsrun: "kill" requires a maximum of 2 argument(s)');
    expect(() => parseCommandLine(['kill', '--bogus', 'x'])).toThrow('flag provided but not defined: -bogus');
    expect(() => parseCommandLine(['create', '--bundle'])).toThrow('flag needs an argument: -bundle');
    const err = (() => {
      try {
        parseCommandLine(['frobnicate']);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(3);
    expect((err as Error).message).toBe("No help topic for 'frobnicate'");
  });

  it('only global flags: no command', () => {
    expect(parseCommandLine(['--version']).command).toBeUndefined();
    expect(parseCommandLine(['-v']).global.version).toBe(true);
  });
});
