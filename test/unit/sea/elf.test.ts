// scripts/sea/elf.ts: the note segment Node finds the SEA blob in, on a real executable (/bin/true,
// a PIE) and on synthetic headers; the fuse.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addNoteSegment, ElfError, encodeNote, findNote, flipFuse, injectSeaBlob, readLayout, SEA_FUSE, SEA_NOTE_NAME } from '../../../scripts/sea/elf';

const PT_LOAD = 1;
const PT_NOTE = 4;
const PT_PHDR = 6;
const TRUE = '/bin/true';

describe('addNoteSegment', () => {
  const original = fs.readFileSync(TRUE);
  const desc = Buffer.from('hello sea blob, 29 bytes long');
  const out = addNoteSegment(original, SEA_NOTE_NAME, desc);
  const before = readLayout(original);
  const after = readLayout(out);

  it('adds one PT_LOAD and one PT_NOTE and moves the table into the new segment', () => {
    expect(after.phdrs).toHaveLength(before.phdrs.length + 2);
    const loads = after.phdrs.filter((p) => p.type === PT_LOAD);
    const load = loads[loads.length - 1]!;
    // loads stay sorted by address, the new one last
    expect(loads.map((p) => p.vaddr)).toEqual([...loads.map((p) => p.vaddr)].sort((a, b) => (a < b ? -1 : 1)));
    expect(BigInt(after.phoff)).toBe(load.offset);
    expect(load.offset % 0x1000n).toBe(0n);
    expect(load.offset).toBeGreaterThanOrEqual(BigInt(original.length));
    const phdr = after.phdrs.find((p) => p.type === PT_PHDR);
    if (phdr) expect([phdr.offset, phdr.vaddr]).toEqual([load.offset, load.vaddr]);
    const note = after.phdrs[after.phdrs.length - 1]!;
    expect(note.type).toBe(PT_NOTE);
    // the note is inside the new, mapped segment, at the same offset-to-address bias
    expect(note.offset).toBeGreaterThanOrEqual(load.offset);
    expect(note.offset + note.filesz).toBeLessThanOrEqual(load.offset + load.filesz);
    expect(note.vaddr - note.offset).toBe(load.vaddr - load.offset);
  });

  it('keeps the original bytes and the old segments', () => {
    expect(out.subarray(0x40 + before.phdrs.length * 56, original.length).equals(original.subarray(0x40 + before.phdrs.length * 56))).toBe(true);
    expect(after.phdrs.filter((p) => p.type !== PT_PHDR).slice(0, 3)).toEqual(before.phdrs.filter((p) => p.type !== PT_PHDR).slice(0, 3));
  });

  it('reads the descriptor back through the program headers', () => {
    expect(findNote(out, SEA_NOTE_NAME)?.equals(desc)).toBe(true);
    expect(findNote(out, 'OTHER')).toBeUndefined();
  });

  it('leaves a program that still runs', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-elf-'));
    try {
      const file = path.join(dir, 'true');
      fs.writeFileSync(file, out, { mode: 0o755 });
      expect(spawnSync(file, [], { stdio: 'ignore' }).status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a 64-bit little-endian executable', () => {
    expect(() => addNoteSegment(Buffer.from('#!/bin/sh\n'.padEnd(80)), 'N', desc)).toThrow(/bad magic/);
    const b32 = Buffer.from(original);
    b32[4] = 1;
    expect(() => readLayout(b32)).toThrow(/64-bit/);
    const rel = Buffer.from(original);
    rel.writeUInt16LE(1, 16);
    expect(() => readLayout(rel)).toThrow(ElfError);
  });
});

describe('encodeNote', () => {
  it('pads name and descriptor to 4 bytes', () => {
    const n = encodeNote('NODE_SEA_BLOB', Buffer.from([1, 2, 3, 4, 5]));
    expect(n.readUInt32LE(0)).toBe(14);
    expect(n.readUInt32LE(4)).toBe(5);
    expect(n.length).toBe(12 + 16 + 8);
    expect(n.subarray(12, 26).toString('latin1')).toBe('NODE_SEA_BLOB\0');
    expect([...n.subarray(28, 33)]).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('flipFuse', () => {
  const withFuse = (s: string) => Buffer.concat([fs.readFileSync(TRUE), Buffer.from(s, 'latin1')]);

  it('turns :0 into :1 once', () => {
    const b = withFuse(`xx${SEA_FUSE}:0yy`);
    flipFuse(b);
    expect(b.toString('latin1')).toContain(`${SEA_FUSE}:1yy`);
    expect(() => flipFuse(b)).toThrow(/already flipped/);
  });

  it('needs exactly one fuse', () => {
    expect(() => flipFuse(fs.readFileSync(TRUE))).toThrow(/not found/);
    expect(() => flipFuse(withFuse(`${SEA_FUSE}:0 ${SEA_FUSE}:0`))).toThrow(/more than once/);
  });

  it('injectSeaBlob needs a Node binary', () => {
    expect(() => injectSeaBlob(fs.readFileSync(TRUE), Buffer.from('x'))).toThrow(/fuse .* not found/);
  });
});
