// A minimal eBPF interpreter for the instructions src/cgroups/ebpf.ts emits, to run device filters
// against struct bpf_cgroup_dev_ctx values in unit tests (the kernel runs them in the guest tests).
import { decode, OPCODES } from '../../src/cgroups/ebpf';

const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

/** Run `program` with r1 → ctx { access_type, major, minor }; returns r0. */
export function runDeviceFilter(program: Buffer, ctx: { type: number; access: number; major: number; minor: number }): number {
  const insns = decode(program);
  const mem = Buffer.alloc(12);
  mem.writeUInt32LE(((ctx.access << 16) | ctx.type) >>> 0, 0);
  mem.writeUInt32LE(ctx.major, 4);
  mem.writeUInt32LE(ctx.minor, 8);
  const CTX = 0x1000n;
  const r: bigint[] = new Array<bigint>(11).fill(0n);
  r[1] = CTX;
  const sext = (imm: number) => BigInt(imm) & U64;
  for (let pc = 0, steps = 0; pc < insns.length; pc++, steps++) {
    if (steps > 10_000) throw new Error('eBPF interp: too many steps');
    const i = insns[pc]!;
    switch (i.op) {
      case OPCODES.LDXW: {
        const addr = Number(r[i.src]! - CTX) + i.off;
        if (addr < 0 || addr + 4 > 12 || r[i.src]! < CTX) throw new Error(`eBPF interp: bad load at ${addr}`);
        r[i.dst] = BigInt(mem.readUInt32LE(addr));
        break;
      }
      case OPCODES.AND32_IMM: r[i.dst] = (r[i.dst]! & BigInt(i.imm >>> 0)) & U32; break;
      case OPCODES.RSH32_IMM: r[i.dst] = (r[i.dst]! & U32) >> BigInt(i.imm); break;
      case OPCODES.MOV32_REG: r[i.dst] = r[i.src]! & U32; break;
      case OPCODES.MOV64_IMM: r[i.dst] = sext(i.imm); break;
      case OPCODES.JA: pc += i.off; break;
      case OPCODES.JEQ_IMM: if (r[i.dst] === sext(i.imm)) pc += i.off; break;
      case OPCODES.JNE_IMM: if (r[i.dst] !== sext(i.imm)) pc += i.off; break;
      case OPCODES.JNE_REG: if (r[i.dst] !== r[i.src]) pc += i.off; break;
      case OPCODES.EXIT: return Number(r[0]);
      default: throw new Error(`eBPF interp: opcode 0x${i.op.toString(16)} at ${pc}`);
    }
  }
  throw new Error('eBPF interp: fell off the end of the program');
}
