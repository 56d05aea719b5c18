//! Puts a Node single-executable blob into an ELF64 little-endian executable, the way Node's
//! runtime looks for it (postject's format, which we reimplement here because postject is an npm
//! package we do not depend on and Node 24 has no `--build-sea`):
//!
//! * Node walks the program headers of the main program (dl_iterate_phdr) and, in every PT_NOTE
//!   segment, looks for a note whose name is `NODE_SEA_BLOB`; the note's descriptor is the blob.
//!   So the note must be *mapped*: it lives in a new read-only PT_LOAD segment.
//! * The program header table has no room for two more entries, so a new table (old entries +
//!   the new PT_LOAD + the new PT_NOTE) goes at the start of that new segment, and PT_PHDR and
//!   e_phoff point at it. The old table stays in the file, unused.
//! * Node only looks for the blob when the sentinel fuse string in its .rodata ends in ":1"
//!   instead of ":0".
//!
//! Strip the binary before injecting: strip rewrites the file by sections and does not know about
//! a segment that no section covers.

const PT_LOAD = 1;
const PT_NOTE = 4;
const PT_PHDR = 6;
const PF_R = 4;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const PAGE = 0x1000;

export const SEA_NOTE_NAME = 'NODE_SEA_BLOB';
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export class ElfError extends Error {
  override name = 'ElfError';
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface ElfLayout {
  /** ET_EXEC (2) or ET_DYN (3) */
  readonly type: number;
  readonly phoff: number;
  readonly phdrs: ProgramHeader[];
}

const alignUp = (n: bigint, a: bigint): bigint => ((n + a - 1n) / a) * a;
const pad4 = (n: number): number => (n + 3) & ~3;

/** Reads the ELF header and program headers; throws ElfError naming what is not supported. */
export function readLayout(elf: Buffer): ElfLayout {
  if (elf.length < EHDR_SIZE || elf.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file (bad magic)');
  if (elf[4] !== 2) throw new ElfError('only 64-bit ELF files are supported (EI_CLASS is not ELFCLASS64)');
  if (elf[5] !== 1) throw new ElfError('only little-endian ELF files are supported (EI_DATA is not ELFDATA2LSB)');
  const type = elf.readUInt16LE(16);
  if (type !== 2 && type !== 3) throw new ElfError(`ELF type ${type} is not an executable (ET_EXEC or ET_DYN)`);
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  if (phentsize !== PHDR_SIZE) throw new ElfError(`e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
  if (phoff + phnum * PHDR_SIZE > elf.length) throw new ElfError('program header table lies beyond the end of the file');
  const phdrs: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    phdrs.push({
      type: elf.readUInt32LE(o),
      flags: elf.readUInt32LE(o + 4),
      offset: elf.readBigUInt64LE(o + 8),
      vaddr: elf.readBigUInt64LE(o + 16),
      paddr: elf.readBigUInt64LE(o + 24),
      filesz: elf.readBigUInt64LE(o + 32),
      memsz: elf.readBigUInt64LE(o + 40),
      align: elf.readBigUInt64LE(o + 48),
    });
  }
  return { type, phoff, phdrs };
}

function writePhdr(buf: Buffer, o: number, p: ProgramHeader): void {
  buf.writeUInt32LE(p.type, o);
  buf.writeUInt32LE(p.flags, o + 4);
  buf.writeBigUInt64LE(p.offset, o + 8);
  buf.writeBigUInt64LE(p.vaddr, o + 16);
  buf.writeBigUInt64LE(p.paddr, o + 24);
  buf.writeBigUInt64LE(p.filesz, o + 32);
  buf.writeBigUInt64LE(p.memsz, o + 40);
  buf.writeBigUInt64LE(p.align, o + 48);
}

/** An ELF note: namesz, descsz, type, then name (NUL-terminated) and desc, each padded to 4. */
export function encodeNote(name: string, desc: Buffer, type = 0): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const out = Buffer.alloc(12 + pad4(nameBytes.length) + pad4(desc.length));
  out.writeUInt32LE(nameBytes.length, 0);
  out.writeUInt32LE(desc.length, 4);
  out.writeUInt32LE(type, 8);
  nameBytes.copy(out, 12);
  desc.copy(out, 12 + pad4(nameBytes.length));
  return out;
}

/**
 * Returns a copy of `elf` with a new read-only PT_LOAD segment holding a relocated program header
 * table and one PT_NOTE (`name`, `desc`). The new segment is placed page-aligned after both the
 * end of the file and the end of the highest segment in memory, at the same file-offset-to-address
 * bias as the first PT_LOAD, so AT_PHDR is right whichever way the kernel computes it.
 */
export function addNoteSegment(elf: Buffer, name: string, desc: Buffer): Buffer {
  const { phdrs } = readLayout(elf);
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  const first = loads[0];
  if (first === undefined) throw new ElfError('the ELF file has no PT_LOAD segment');
  const bias = first.vaddr - first.offset;
  const memEnd = loads.reduce((m, p) => (p.vaddr + p.memsz > m ? p.vaddr + p.memsz : m), 0n);
  const start = alignUp(BigInt(elf.length) > memEnd - bias ? BigInt(elf.length) : memEnd - bias, BigInt(PAGE));
  const tableSize = (phdrs.length + 2) * PHDR_SIZE;
  if (phdrs.length + 2 >= 0xffff) throw new ElfError('too many program headers');
  const note = encodeNote(name, desc);
  const noteOff = alignUp(start + BigInt(tableSize), 8n);
  const segSize = noteOff - start + BigInt(note.length);
  const load: ProgramHeader = {
    type: PT_LOAD, flags: PF_R, offset: start, vaddr: start + bias, paddr: start + bias,
    filesz: segSize, memsz: segSize, align: BigInt(PAGE),
  };
  const noteHdr: ProgramHeader = {
    type: PT_NOTE, flags: PF_R, offset: noteOff, vaddr: noteOff + bias, paddr: noteOff + bias,
    filesz: BigInt(note.length), memsz: BigInt(note.length), align: 4n,
  };
  const lastLoad = phdrs.lastIndexOf(loads[loads.length - 1] as ProgramHeader);
  const table = phdrs.map((p) =>
    p.type === PT_PHDR
      ? { ...p, offset: start, vaddr: start + bias, paddr: start + bias, filesz: BigInt(tableSize), memsz: BigInt(tableSize) }
      : p,
  );
  table.splice(lastLoad + 1, 0, load); // PT_LOAD entries stay sorted by address
  table.push(noteHdr);

  const out = Buffer.alloc(Number(start + segSize));
  elf.copy(out, 0);
  table.forEach((p, i) => writePhdr(out, Number(start) + i * PHDR_SIZE, p));
  note.copy(out, Number(noteOff));
  out.writeBigUInt64LE(start, 32); // e_phoff
  out.writeUInt16LE(table.length, 56); // e_phnum
  return out;
}

/** Flips the sentinel fuse `FUSE:0` → `FUSE:1` in place; it must occur exactly once, unflipped. */
export function flipFuse(elf: Buffer, fuse: string = SEA_FUSE): void {
  const needle = Buffer.from(`${fuse}:`, 'latin1');
  const at = elf.indexOf(needle);
  if (at < 0) throw new ElfError(`sentinel fuse ${fuse} not found: is this a Node binary with SEA support?`);
  if (elf.indexOf(needle, at + 1) >= 0) throw new ElfError(`sentinel fuse ${fuse} occurs more than once`);
  const state = elf[at + needle.length];
  if (state === 0x31) throw new ElfError('the sentinel fuse is already flipped: the binary already holds a blob (start from a fresh node binary)');
  if (state !== 0x30) throw new ElfError(`unexpected sentinel fuse state ${String(state)}`);
  elf[at + needle.length] = 0x31;
}

/** Reads back the note `name` from the file through the program headers (for checks and tests). */
export function findNote(elf: Buffer, name: string): Buffer | undefined {
  const want = Buffer.from(`${name}\0`, 'latin1');
  for (const p of readLayout(elf).phdrs) {
    if (p.type !== PT_NOTE) continue;
    let pos = Number(p.offset);
    const end = pos + Number(p.filesz);
    while (pos + 12 <= end) {
      const namesz = elf.readUInt32LE(pos);
      const descsz = elf.readUInt32LE(pos + 4);
      const nameAt = pos + 12;
      const descAt = nameAt + pad4(namesz);
      if (namesz === want.length && elf.subarray(nameAt, nameAt + namesz).equals(want)) return elf.subarray(descAt, descAt + descsz);
      pos = descAt + pad4(descsz);
    }
  }
  return undefined;
}

/** The whole injection: blob note + fuse. */
export function injectSeaBlob(elf: Buffer, blob: Buffer): Buffer {
  const out = addNoteSegment(elf, SEA_NOTE_NAME, blob);
  flipFuse(out);
  return out;
}
