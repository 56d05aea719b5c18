//! A tiny eBPF assembler (pure): the handful of instructions a cgroup device filter needs, with
//! symbolic jump labels resolved at assembly. Encoding per the kernel's instruction-set doc:
//! 8 bytes each, little-endian: opcode, dst_reg (low nibble) | src_reg (high nibble), s16 offset,
//! s32 immediate.

/** eBPF registers r0..r10 (r0: return value, r1: context pointer on entry). */
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

// instruction classes
const BPF_LDX = 0x01;
const BPF_ALU = 0x04; // 32-bit ALU (results zero-extended to 64 bits)
const BPF_JMP = 0x05;
const BPF_ALU64 = 0x07;
// size / mode (loads)
const BPF_W = 0x00;
const BPF_MEM = 0x60;
// operation (ALU / JMP)
const BPF_AND = 0x50;
const BPF_RSH = 0x70;
const BPF_MOV = 0xb0;
const BPF_JA = 0x00;
const BPF_JEQ = 0x10;
const BPF_JNE = 0x50;
const BPF_EXIT = 0x90;
// source
const BPF_K = 0x00;
const BPF_X = 0x08;

export const OPCODES = {
  LDXW: BPF_LDX | BPF_MEM | BPF_W,
  AND32_IMM: BPF_ALU | BPF_AND | BPF_K,
  RSH32_IMM: BPF_ALU | BPF_RSH | BPF_K,
  MOV32_REG: BPF_ALU | BPF_MOV | BPF_X,
  MOV64_IMM: BPF_ALU64 | BPF_MOV | BPF_K,
  JA: BPF_JMP | BPF_JA,
  JEQ_IMM: BPF_JMP | BPF_JEQ | BPF_K,
  JNE_IMM: BPF_JMP | BPF_JNE | BPF_K,
  JNE_REG: BPF_JMP | BPF_JNE | BPF_X,
  EXIT: BPF_JMP | BPF_EXIT,
} as const;

export interface Insn {
  readonly op: number;
  readonly dst: Reg;
  readonly src: Reg;
  readonly off: number;
  readonly imm: number;
  /** Jumps: the label the offset is resolved to. */
  readonly target?: string;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function imm32(v: number, what: string): number {
  // Accept unsigned 32-bit values too (0xffff_ffff is stored as -1, like the kernel's __s32).
  if (!Number.isInteger(v) || v < INT32_MIN || v > 0xffffffff) throw new RangeError(`eBPF: ${what} ${v} does not fit in 32 bits`);
  return v > INT32_MAX ? v - 0x100000000 : v;
}

function off16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw new RangeError(`eBPF: ${what} ${v} does not fit in a signed 16-bit offset`);
  return v;
}

/** Builds a program; `label(name)` marks the next instruction as a jump target. */
export class Assembler {
  private readonly insns: Insn[] = [];
  private readonly labels = new Map<string, number>();

  private push(op: number, dst: Reg, src: Reg, off: number, imm: number, target?: string): this {
    this.insns.push({ op, dst, src, off, imm, ...(target === undefined ? {} : { target }) });
    return this;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`eBPF: label "${name}" defined twice`);
    this.labels.set(name, this.insns.length);
    return this;
  }

  /** dst = *(u32 *)(src + off) */
  ldxw(dst: Reg, src: Reg, off: number): this {
    return this.push(OPCODES.LDXW, dst, src, off16(off, 'load offset'), 0);
  }

  /** dst = (u32)dst & imm */
  and32(dst: Reg, imm: number): this {
    return this.push(OPCODES.AND32_IMM, dst, 0, 0, imm32(imm, 'AND immediate'));
  }

  /** dst = (u32)dst >> imm */
  rsh32(dst: Reg, imm: number): this {
    if (!Number.isInteger(imm) || imm < 0 || imm > 31) throw new RangeError(`eBPF: 32-bit shift by ${imm}`);
    return this.push(OPCODES.RSH32_IMM, dst, 0, 0, imm);
  }

  /** dst = (u32)src */
  mov32(dst: Reg, src: Reg): this {
    return this.push(OPCODES.MOV32_REG, dst, src, 0, 0);
  }

  /** dst = (s64)imm */
  mov64(dst: Reg, imm: number): this {
    return this.push(OPCODES.MOV64_IMM, dst, 0, 0, imm32(imm, 'MOV immediate'));
  }

  ja(target: string): this {
    return this.push(OPCODES.JA, 0, 0, 0, 0, target);
  }

  /** if dst == (s64)imm goto target */
  jeq(dst: Reg, imm: number, target: string): this {
    return this.push(OPCODES.JEQ_IMM, dst, 0, 0, imm32(imm, 'JEQ immediate'), target);
  }

  /** if dst != (s64)imm goto target */
  jne(dst: Reg, imm: number, target: string): this {
    return this.push(OPCODES.JNE_IMM, dst, 0, 0, imm32(imm, 'JNE immediate'), target);
  }

  /** if dst != src goto target */
  jneReg(dst: Reg, src: Reg, target: string): this {
    return this.push(OPCODES.JNE_REG, dst, src, 0, 0, target);
  }

  exit(): this {
    return this.push(OPCODES.EXIT, 0, 0, 0, 0);
  }

  /** The instructions with every jump offset resolved (relative to the next instruction). */
  resolve(): Insn[] {
    return this.insns.map((insn, i) => {
      if (insn.target === undefined) return insn;
      const at = this.labels.get(insn.target);
      if (at === undefined) throw new Error(`eBPF: jump to undefined label "${insn.target}"`);
      if (at <= i) throw new Error(`eBPF: backward jump to "${insn.target}" (loops are not allowed)`);
      return { ...insn, off: off16(at - i - 1, `jump to "${insn.target}"`) };
    });
  }

  /** The program in the kernel's binary format (struct bpf_insn[]). */
  assemble(): Buffer {
    return encode(this.resolve());
  }
}

/** struct bpf_insn[] bytes of resolved instructions. */
export function encode(insns: readonly Insn[]): Buffer {
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    b.writeUInt8(insn.op, i * 8);
    b.writeUInt8(((insn.src & 0xf) << 4) | (insn.dst & 0xf), i * 8 + 1);
    b.writeInt16LE(insn.off, i * 8 + 2);
    b.writeInt32LE(insn.imm, i * 8 + 4);
  });
  return b;
}

/** Decode struct bpf_insn[] bytes (tests, diagnostics). */
export function decode(bytes: Buffer): Insn[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`eBPF: ${bytes.length} bytes is not a whole number of instructions`);
  const out: Insn[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    const regs = bytes.readUInt8(i + 1);
    out.push({ op: bytes.readUInt8(i), dst: (regs & 0xf) as Reg, src: (regs >> 4) as Reg, off: bytes.readInt16LE(i + 2), imm: bytes.readInt32LE(i + 4) });
  }
  return out;
}
