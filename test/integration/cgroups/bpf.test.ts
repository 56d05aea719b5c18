// bpf(2) through native/bpf.c on this host's kernel (root): what the kernel says about programs
// and targets that are wrong. Attaching to real cgroups is tested in test/guest/devices-v2.guest.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deviceFilterProgram } from '../../../src/cgroups';
import { Assembler } from '../../../src/cgroups/ebpf';
import { attachedDevicePrograms, BpfVerifierError, bpfProgramExists, installDeviceFilter, loadDeviceProgram, SyscallError, closeFd } from '../../../src/linux';

describe('bpf(2) device programs', () => {
  it("loads a generated filter that the kernel's verifier accepts", () => {
    const fd = loadDeviceProgram(deviceFilterProgram([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rw' }]));
    expect(fd).toBeGreaterThan(2);
    closeFd(fd);
  });

  it("explains a program the verifier refuses with the verifier's log", () => {
    // exit without setting r0
    const bad = new Assembler().exit().assemble();
    let err: unknown;
    try {
      closeFd(loadDeviceProgram(bad));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfVerifierError);
    expect((err as BpfVerifierError).code).toBe('EACCES');
    expect((err as BpfVerifierError).log).toMatch(/R0 !read_ok/);
    expect(() => loadDeviceProgram(Buffer.alloc(7))).toThrow(/not a program/);
  });

  it('names the directory when it is not a cgroup', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-bpf-'));
    try {
      expect(() => installDeviceFilter(dir, deviceFilterProgram([{ allow: true }]))).toThrow(SyscallError);
      expect(() => attachedDevicePrograms(dir)).toThrow(new RegExp(`BPF_PROG_QUERY.*${dir}`));
      expect(() => attachedDevicePrograms(path.join(dir, 'missing'))).toThrow(/open .*missing: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(bpfProgramExists(0x7ffffff0)).toBe(false);
  });
});
