// containerd.linux.runc.CreateOptions: what containerd's Go client sends to a runtime that is not
// io.containerd.runc.* (ctr 1.7 adds io_uid/io_gid when the spec has a user namespace).
import { CreateOptions } from '../../../src/gen/runtime/linux/runctypes/runc';
import { decodeShimOptions, LINUX_CREATE_OPTIONS_TYPE } from '../../../src/shim/runtime-options';

const any = (o: Partial<CreateOptions>) => ({ typeUrl: LINUX_CREATE_OPTIONS_TYPE, value: Buffer.from(CreateOptions.encode(CreateOptions.fromPartial(o)).finish()) });

test('io uid/gid, no_pivot_root and shim_cgroup are taken, the rest ignored', () => {
  expect(decodeShimOptions(any({ ioUid: 100000, ioGid: 100000, noPivotRoot: true, shimCgroup: '/shim', terminal: true, criuImagePath: '/x' }))).toEqual({
    systemdCgroup: false, noPivotRoot: true, ioUid: 100000, ioGid: 100000, shimCgroup: '/shim',
  });
  expect(decodeShimOptions({ typeUrl: `types.googleapis.com/${LINUX_CREATE_OPTIONS_TYPE}`, value: Buffer.alloc(0) })).toEqual({ systemdCgroup: false, noPivotRoot: false });
});

test('a malformed message is InvalidArgument naming the type', () => {
  expect(() => decodeShimOptions({ typeUrl: LINUX_CREATE_OPTIONS_TYPE, value: Buffer.from([0x52, 0x05, 0x01]) })).toThrow(/^runtime options containerd\.linux\.runc\.CreateOptions: /);
});
