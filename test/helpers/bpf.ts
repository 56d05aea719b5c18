// A classic-BPF interpreter for seccomp programs (the subset libseccomp emits), so unit tests can
// check what a compiled filter returns for a syscall without loading it into the kernel.

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

export interface SeccompData {
  readonly nr: number;
  readonly arch?: number;
  readonly args?: readonly bigint[];
}

function dataWord(d: SeccompData, off: number): number {
  if (off === 0) return d.nr >>> 0;
  if (off === 4) return (d.arch ?? AUDIT_ARCH_X86_64) >>> 0;
  if (off === 8 || off === 12) return 0; // instruction pointer
  const i = Math.floor((off - 16) / 8);
  if (off < 16 || i > 5 || off % 4 !== 0) throw new RangeError(`bpf: load at offset ${off}`);
  const v = BigInt.asUintN(64, d.args?.[i] ?? 0n);
  return Number(off % 8 === 0 ? v & 0xffffffffn : v >> 32n);
}

/** Run `program` (struct sock_filter entries, 8 bytes each) on `data`; returns the action value. */
export function runSeccompBpf(program: Buffer, data: SeccompData): number {
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  let pc = 0;
  for (let steps = 0; steps < 100000; steps++) {
    if (pc * 8 >= program.length) throw new RangeError('bpf: fell off the end');
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    pc++;
    const cls = code & 0x07;
    const src = code & 0x08 ? x : k;
    switch (cls) {
      case 0x00: // LD
        if ((code & 0xe0) === 0x20) a = dataWord(data, k); // ABS
        else if ((code & 0xe0) === 0x60) a = mem[k] as number; // MEM
        else if ((code & 0xe0) === 0x00) a = k; // IMM
        else throw new RangeError(`bpf: ld mode ${code.toString(16)}`);
        break;
      case 0x01: // LDX
        if ((code & 0xe0) === 0x60) x = mem[k] as number;
        else if ((code & 0xe0) === 0x00) x = k;
        else throw new RangeError(`bpf: ldx mode ${code.toString(16)}`);
        break;
      case 0x02: mem[k] = a; break; // ST
      case 0x03: mem[k] = x; break; // STX
      case 0x04: { // ALU
        const op = code & 0xf0;
        if (op === 0x50) a = (a & src) >>> 0;
        else if (op === 0x40) a = (a | src) >>> 0;
        else if (op === 0x00) a = (a + src) >>> 0;
        else if (op === 0x10) a = (a - src) >>> 0;
        else throw new RangeError(`bpf: alu op ${op.toString(16)}`);
        break;
      }
      case 0x05: { // JMP
        const op = code & 0xf0;
        if (op === 0x00) { pc += k; break; }
        const cond = op === 0x10 ? a === src >>> 0 : op === 0x20 ? a > src >>> 0 : op === 0x30 ? a >= src >>> 0 : op === 0x40 ? (a & src) !== 0 : undefined;
        if (cond === undefined) throw new RangeError(`bpf: jmp op ${op.toString(16)}`);
        pc += cond ? jt : jf;
        break;
      }
      case 0x06: return (code & 0x18) === 0x10 ? a : k; // RET A / RET K
      case 0x07: if (code & 0x80) a = x; else x = a; break; // MISC: TXA / TAX
      default: throw new RangeError(`bpf: class ${cls}`);
    }
  }
  throw new RangeError('bpf: too many steps');
}
