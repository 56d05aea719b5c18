import { Assembler, decode, encode, OPCODES } from '../../../src/cgroups/ebpf';

const hex = (b: Buffer) => b.toString('hex').match(/.{16}/g);

describe('eBPF assembler: one instruction at a time', () => {
  // Expected bytes: opcode, src<<4|dst, off (s16 LE), imm (s32 LE).
  it.each([
    ['r2 = *(u32 *)(r1 + 0)', (a: Assembler) => a.ldxw(2, 1, 0), '6112000000000000'],
    ['r4 = *(u32 *)(r1 + 4)', (a: Assembler) => a.ldxw(4, 1, 4), '6114040000000000'],
    ['w2 &= 0xffff', (a: Assembler) => a.and32(2, 0xffff), '54020000ffff0000'],
    ['w3 >>= 16', (a: Assembler) => a.rsh32(3, 16), '7403000010000000'],
    ['w1 = w3', (a: Assembler) => a.mov32(1, 3), 'bc31000000000000'],
    ['r0 = 1', (a: Assembler) => a.mov64(0, 1), 'b700000001000000'],
    ['r0 = 0', (a: Assembler) => a.mov64(0, 0), 'b700000000000000'],
    ['r0 = -1', (a: Assembler) => a.mov64(0, -1), 'b7000000ffffffff'],
    ['w1 &= 0xffffffff (unsigned input)', (a: Assembler) => a.and32(1, 0xffffffff), '54010000ffffffff'],
    ['exit', (a: Assembler) => a.exit(), '9500000000000000'],
  ])('%s', (_name, build, bytes) => {
    expect(hex(build(new Assembler()).assemble())).toEqual([bytes]);
  });

  it('resolves forward jumps relative to the next instruction', () => {
    const a = new Assembler()
      .jne(2, 2, 'next') // +3: skips the three below
      .jneReg(1, 3, 'next') // +2
      .jeq(4, 136, 'next') // +1
      .ja('next') // +0
      .label('next')
      .exit();
    expect(hex(a.assemble())).toEqual([
      '5502030002000000', // if r2 != 2 goto +3
      '5d31020000000000', // if r1 != r3 goto +2
      '1504010088000000', // if r4 == 136 goto +1
      '0500000000000000', // goto +0
      '9500000000000000',
    ]);
  });

  it('refuses what the kernel would refuse or what does not fit', () => {
    expect(() => new Assembler().ja('nowhere').assemble()).toThrow(/undefined label "nowhere"/);
    expect(() => new Assembler().label('top').exit().ja('top').assemble()).toThrow(/backward jump/);
    expect(() => new Assembler().label('x').label('x')).toThrow(/defined twice/);
    expect(() => new Assembler().mov64(0, 2 ** 32)).toThrow(/32 bits/);
    expect(() => new Assembler().mov64(0, 1.5)).toThrow(/32 bits/);
    expect(() => new Assembler().ldxw(2, 1, 0x8000)).toThrow(/16-bit/);
    expect(() => new Assembler().rsh32(3, 32)).toThrow(/shift/);
  });

  it('decodes what it encodes', () => {
    const a = new Assembler().ldxw(5, 1, 8).and32(1, 6).jne(5, 3, 'end').mov64(0, 1).exit().label('end').mov64(0, 0).exit();
    const insns = a.resolve();
    expect(decode(encode(insns))).toEqual(insns.map(({ target: _t, ...rest }) => rest));
    expect(decode(a.assemble())[2]).toEqual({ op: OPCODES.JNE_IMM, dst: 5, src: 0, off: 2, imm: 3 });
    expect(() => decode(Buffer.alloc(7))).toThrow(/whole number/);
  });
});
