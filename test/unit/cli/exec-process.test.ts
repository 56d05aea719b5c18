// tsrun exec: the Process derived from the container's process and runc's exec flags.
import { parseCommandLine } from '../../../src/cli/args';
import { execProcessFor } from '../../../src/cli/exec';
import type { Process } from '../../../src/runtime/spec';

const base: Process = {
  args: ['sleep', '1000'], cwd: '/', env: ['PATH=/bin', 'FOO=bar'], user: { uid: 0, gid: 0 }, terminal: false,
  capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
};

function derive(argv: string[], files: Record<string, string> = {}): Process {
  const cmd = parseCommandLine(['exec', ...argv]);
  return execProcessFor(base, cmd.flags, cmd.args, (p) => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT ${p}`);
    return text;
  });
}

describe('execProcessFor', () => {
  it('takes the container process and replaces args; -e appends, --cwd, -u uid:gid, -g, --cap, -t, --no-new-privs', () => {
    const p = derive(['-e', 'A=1', '--env', 'B=2', '--cwd', '/tmp', '-u', '1000:1001', '-g', '5', '-g', '6', '--cap', 'net_admin', '-t', '--no-new-privs', 'c1', 'sh', '-c', 'id']);
    expect(p.args).toEqual(['sh', '-c', 'id']);
    expect(p.env).toEqual(['PATH=/bin', 'FOO=bar', 'A=1', 'B=2']);
    expect(p.cwd).toBe('/tmp');
    expect(p.user).toEqual({ uid: 1000, gid: 1001, additionalGids: [5, 6] });
    expect(p.capabilities?.bounding).toEqual(['CAP_CHOWN', 'CAP_NET_ADMIN']);
    expect(p.capabilities?.effective).toEqual(['CAP_CHOWN', 'CAP_NET_ADMIN']);
    expect(p.terminal).toBe(true);
    expect(p.noNewPrivileges).toBe(true);
  });

  it('defaults: the container cwd, user and env; no terminal', () => {
    const p = derive(['c1', 'true']);
    expect(p).toMatchObject({ args: ['true'], cwd: '/', user: { uid: 0, gid: 0 }, env: base.env, terminal: false });
  });

  it('--process reads the whole Process from the file', () => {
    const file = { '/p.json': JSON.stringify({ args: ['echo', 'x'], cwd: '/', user: { uid: 3, gid: 4 } }) };
    expect(derive(['-p', '/p.json', 'c1'], file)).toEqual({ args: ['echo', 'x'], cwd: '/', user: { uid: 3, gid: 4 } });
    expect(() => derive(['-p', '/missing.json', 'c1'])).toThrow(/--process \/missing.json/);
  });

  it('names the bad input', () => {
    expect(() => derive(['c1'])).toThrow(/a command to run is required/);
    expect(() => derive(['-u', 'alice', 'c1', 'true'])).toThrow(/--user uid "alice": must be a numeric id/);
  });
});
