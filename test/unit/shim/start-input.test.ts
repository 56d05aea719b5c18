import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Any } from '../../../src/gen/google/protobuf/any';
import { BootstrapParams, LogLevel } from '../../../src/gen/runtime/bootstrap/v1/bootstrap';
import { Options as RuncOptions } from '../../../src/gen/types/runc/options/oci';
import { Options as CriOptions } from '../../../src/gen/types/runtimeoptions/v1/api';
import { CreateOptions as LinuxCreateOptions } from '../../../src/gen/runtime/linux/runctypes/runc';
import { decodeStartInput, ttrpcAddressOf } from '../../../src/shim/start-input';
import { decodeShimOptions, parseOptionsToml } from '../../../src/shim/runtime-options';

const criAny = (configPath: string): Any => ({
  typeUrl: 'runtimeoptions.v1.Options',
  value: Buffer.from(CriOptions.encode({ typeUrl: '', configPath, configBody: Buffer.alloc(0) }).finish()),
});

const runcAny: Any = {
  typeUrl: 'containerd.runc.v1.Options',
  value: Buffer.from(RuncOptions.encode({ ...RuncOptions.fromPartial({}), systemdCgroup: true, root: '/run/x' }).finish()),
};

function bootstrap(id: string, ns: string, options?: Any): Uint8Array {
  return BootstrapParams.encode({
    instanceId: id,
    namespace: ns,
    logLevel: LogLevel.LOG_LEVEL_DEBUG,
    containerdVersion: 'v2.3.0',
    containerdTtrpcAddress: 'unix:///run/containerd/containerd.sock.ttrpc',
    containerdGrpcAddress: '/run/containerd/containerd.sock',
    containerdBinary: '/usr/bin/containerd',
    extensions: options ? [{ value: options }] : [],
    socketDir: '/run/containerd/s2',
  }).finish();
}

describe('decodeStartInput', () => {
  it('empty stdin is legacy without options (1.6–2.2, no options)', () => {
    expect(decodeStartInput(new Uint8Array(), 'c1', 'default')).toEqual({ kind: 'legacy', options: undefined });
  });

  it('decodes the 46-byte Any ctr sends with --runtime-config-path', () => {
    const bytes = Any.encode(criAny('/etc/tsrun.toml')).finish();
    expect(bytes.length).toBe(46);
    const input = decodeStartInput(bytes, 'c1', 'default');
    expect(input.kind).toBe('legacy');
    expect(input.options?.typeUrl).toBe('runtimeoptions.v1.Options');
    expect(CriOptions.decode(input.options!.value).configPath).toBe('/etc/tsrun.toml');
  });

  it('does not mistake a legacy Any for BootstrapParams even though it parses as one', () => {
    const bytes = Any.encode(runcAny).finish();
    expect(() => BootstrapParams.decode(bytes)).not.toThrow();
    const input = decodeStartInput(bytes, 'containerd.runc.v1.Options', 'default');
    expect(input.kind).toBe('legacy');
    expect(input.options?.typeUrl).toBe('containerd.runc.v1.Options');
  });

  it('recognises BootstrapParams (2.3+) whose id and namespace match the flags', () => {
    const input = decodeStartInput(bootstrap('c1', 'k8s.io', runcAny), 'c1', 'k8s.io');
    expect(input.kind).toBe('bootstrap');
    if (input.kind !== 'bootstrap') throw new Error('unreachable');
    expect(input.params.socketDir).toBe('/run/containerd/s2');
    expect(input.params.logLevel).toBe(LogLevel.LOG_LEVEL_DEBUG);
    expect(input.options?.typeUrl).toBe('containerd.runc.v1.Options');
    expect(ttrpcAddressOf(input, {})).toBe('/run/containerd/containerd.sock.ttrpc');
  });

  it('BootstrapParams without extensions has no options', () => {
    const input = decodeStartInput(bootstrap('c1', 'ns'), 'c1', 'ns');
    expect(input).toMatchObject({ kind: 'bootstrap', options: undefined });
  });

  it('falls back to $TTRPC_ADDRESS for legacy input', () => {
    expect(ttrpcAddressOf({ kind: 'legacy', options: undefined }, { TTRPC_ADDRESS: '/c/containerd.sock.ttrpc' })).toBe('/c/containerd.sock.ttrpc');
  });

  it('rejects garbage with a clear error', () => {
    expect(() => decodeStartInput(Buffer.from([0xff, 0xff, 0xff]), 'c1', 'ns')).toThrow(/neither BootstrapParams/);
  });
});

describe('decodeShimOptions', () => {
  it('defaults without options', () => {
    expect(decodeShimOptions(undefined)).toEqual({ systemdCgroup: false, noPivotRoot: false });
  });
  it('reads runc Options, with or without a type.googleapis.com prefix', () => {
    expect(decodeShimOptions(runcAny)).toMatchObject({ systemdCgroup: true, root: '/run/x' });
    expect(decodeShimOptions({ ...runcAny, typeUrl: `type.googleapis.com/${runcAny.typeUrl}` })).toMatchObject({ root: '/run/x' });
  });
  it('reads runtimeoptions config_path TOML and config_body TOML', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-opt-'));
    try {
      const file = path.join(dir, 'tsrun.toml');
      fs.writeFileSync(file, '# tsrun\nSystemdCgroup = true\nRoot = "/run/tsrun-test" # state\nLogLevel = \'debug\'\n');
      expect(decodeShimOptions(criAny(file))).toEqual({ systemdCgroup: true, noPivotRoot: false, root: '/run/tsrun-test', logLevel: 'debug' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const body: Any = {
      typeUrl: 'runtimeoptions.v1.Options',
      value: Buffer.from(CriOptions.encode({ typeUrl: '', configPath: '', configBody: Buffer.from('NoPivotRoot = true\n') }).finish()),
    };
    expect(decodeShimOptions(body)).toMatchObject({ noPivotRoot: true });
  });
  it('reads the IO owner and shim cgroup from containerd.linux.runc.CreateOptions (ctr run --uidmap)', () => {
    const value = Buffer.from(LinuxCreateOptions.encode({ ...LinuxCreateOptions.fromPartial({}), ioUid: 100000, ioGid: 100001, shimCgroup: '/shims' }).finish());
    expect(decodeShimOptions({ typeUrl: 'containerd.linux.runc.CreateOptions', value })).toEqual({
      systemdCgroup: false, noPivotRoot: false, ioUid: 100000, ioGid: 100001, shimCgroup: '/shims',
    });
  });
  it('rejects unknown option types and bad TOML with the field named', () => {
    expect(() => decodeShimOptions({ typeUrl: 'x.Y', value: Buffer.alloc(0) })).toThrow(/unsupported type "x.Y"/);
    expect(() => parseOptionsToml('SystemdCgroup = yes', 'f')).toThrow(/f:1: value of SystemdCgroup/);
    expect(() => parseOptionsToml('what', 'f')).toThrow(/f:1: expected "Key = value"/);
  });
});
