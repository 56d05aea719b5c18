// src/platform/program.ts and the pure parts of src/platform/assets.ts.
import { candidateBases, manifestHash, mountOptionsFor, nativeFile, parseManifest } from '../../../src/platform/assets';
import { chooseProgram } from '../../../src/platform/program';
import { selfCommandFor } from '../../../src/platform/self';

describe('chooseProgram', () => {
  it.each([
    ['/usr/local/bin/containerd-shim-tsrun-v1', ['-namespace', 'k8s.io', '-id', 'x', 'start'], 'shim', ['-namespace', 'k8s.io', '-id', 'x', 'start']],
    ['containerd-shim-tsrun-v1', ['-v'], 'shim', ['-v']],
    ['/usr/local/bin/tsrun', ['spec'], 'cli', ['spec']],
    ['tsrun', ['--version'], 'cli', ['--version']],
    ['/x/containerd-shim-tsrun-v1', ['runtime', 'state', 'c1'], 'cli', ['state', 'c1']],
    ['/x/containerd-shim-tsrun-v1', ['native-check'], 'native-check', []],
    ['/x/containerd-shim-tsrun-v1', ['-id', 'runtime', 'delete'], 'shim', ['-id', 'runtime', 'delete']],
    ['/x/tsrun-old', ['spec'], 'shim', ['spec']],
  ])('%s %j → %s %j', (argv0, args, program, want) => {
    expect(chooseProgram(argv0, args)).toEqual({ program, args: want });
  });
});

describe('candidateBases', () => {
  it('root: /var/lib, /run (outside the CLI root /run/tsrun), then a per-uid temp dir', () => {
    expect(candidateBases({}, 0, '/root', '/tmp')).toEqual(['/var/lib/tsrun/native', '/run/tsrun-native', '/tmp/tsrun-sea-0']);
  });
  it('others: XDG_RUNTIME_DIR, ~/.cache, temp', () => {
    expect(candidateBases({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000, '/home/u', '/tmp')).toEqual([
      '/run/user/1000/tsrun/sea', '/home/u/.cache/tsrun/sea', '/tmp/tsrun-sea-1000',
    ]);
  });
  it('TSRUN_ASSET_DIR alone when set', () => {
    expect(candidateBases({ TSRUN_ASSET_DIR: '/opt/x' }, 0, '/root', '/tmp')).toEqual(['/opt/x']);
  });
});

describe('mountOptionsFor', () => {
  const mountinfo = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '30 27 0:27 / /run rw,nosuid,nodev - tmpfs tmpfs rw',
    '31 30 0:28 / /run/user/1000 rw,nosuid,nodev,noexec - tmpfs tmpfs rw',
    '32 27 0:29 / /mnt/with\\040space rw,noexec - tmpfs tmpfs rw',
    '33 30 0:30 / /run rw,noexec - tmpfs tmpfs rw',
  ].join('\n');
  it('takes the longest mount point containing the path, the top of a stack', () => {
    expect(mountOptionsFor('/var/lib/tsrun', mountinfo)).toEqual(['rw', 'relatime']);
    expect(mountOptionsFor('/run/user/1000/tsrun', mountinfo)).toContain('noexec');
    expect(mountOptionsFor('/run/userx', mountinfo)).toEqual(['rw', 'noexec']);
    expect(mountOptionsFor('/mnt/with space/a', mountinfo)).toContain('noexec');
  });
});

describe('manifest', () => {
  const files = [
    { name: 'libtsrun.so', sha256: 'a'.repeat(64), mode: 0o400 },
    { name: 'koffi.node', sha256: 'b'.repeat(64), mode: 0o400 },
  ];
  it('hash depends on content and mode, not order', () => {
    const h = manifestHash(files);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(manifestHash([...files].reverse())).toBe(h);
    expect(manifestHash([{ ...files[0]!, mode: 0o500 }, files[1]!])).not.toBe(h);
    expect(manifestHash([{ ...files[0]!, sha256: 'c'.repeat(64) }, files[1]!])).not.toBe(h);
  });
  it('rejects malformed manifests and path-like names', () => {
    expect(() => parseManifest('{"hash":"xyz","files":[]}')).toThrow(/malformed/);
    expect(() => parseManifest(JSON.stringify({ hash: '0123456789abcdef', files: [{ name: '../x', size: 1 }] }))).toThrow(/bad entry/);
    expect(parseManifest(JSON.stringify({ hash: '0123456789abcdef', files: [{ name: 'a.so', size: 1, sha256: 'x', mode: 256 }] })).files).toHaveLength(1);
  });
});

describe('nativeFile outside the single executable', () => {
  it('is build/ next to dist/ (here: next to src/)', () => {
    const saved = process.env.TSRUN_LIBTSRUN;
    delete process.env.TSRUN_LIBTSRUN;
    try {
      expect(nativeFile('libtsrun.so')).toMatch(/\/build\/libtsrun\.so$/);
      process.env.TSRUN_LIBTSRUN = '/opt/lib.so';
      expect(nativeFile('libtsrun.so')).toBe('/opt/lib.so');
    } finally {
      if (saved === undefined) delete process.env.TSRUN_LIBTSRUN;
      else process.env.TSRUN_LIBTSRUN = saved;
    }
  });
});

describe('selfCommandFor', () => {
  it('single executable: the binary alone (sea-config execArgv applies by itself)', () => {
    expect(selfCommandFor({
      singleExecutable: true,
      execPath: '/usr/bin/containerd-shim-tsrun-v1',
      execArgv: ['--max-semi-space-size=4'],
      argv: ['/usr/bin/containerd-shim-tsrun-v1', 'containerd-shim-tsrun-v1', '-id', 'x', 'start'],
    })).toEqual({ file: '/usr/bin/containerd-shim-tsrun-v1', args: [] });
  });
  it('script: node, its flags, the script', () => {
    expect(selfCommandFor({
      singleExecutable: false,
      execPath: '/p/lib/tsrun/bin/node',
      execArgv: ['--max-semi-space-size=4'],
      argv: ['/p/lib/tsrun/bin/node', '/p/lib/tsrun/dist/entry.js', '-id', 'x', 'start'],
    })).toEqual({ file: '/p/lib/tsrun/bin/node', args: ['--max-semi-space-size=4', '/p/lib/tsrun/dist/entry.js'] });
  });
});
