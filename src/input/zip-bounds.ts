import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createInflateRaw } from 'node:zlib';

/** What a workbook may unpack to before it is refused: its parts all together, and its shared strings (held in memory). */
export const WORKBOOK_LIMITS = { total: 1024 * 1024 * 1024, sharedStrings: 256 * 1024 * 1024 } as const;

/** A zip's parts as its central directory declares them: name and uncompressed size; undefined for sizes past 4 GiB (zip64). */
export interface ZipPart {
  readonly name: string;
  readonly size: number | undefined;
  /** Where its local header is, its compression method (0 stored, 8 deflated) and compressed size. */
  readonly at: number;
  readonly method: number;
  readonly packed: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;

/**
 * The parts of a zip file as its central directory lists them, read from the
 * end of the file without unpacking anything; undefined when the file has no
 * readable directory (not a zip, or cut).
 */
export function zipParts(file: string): ZipPart[] | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const tailSize = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailSize);
    readSync(fd, tail, 0, tailSize, size - tailSize);
    let eocd = -1;
    for (let i = tailSize - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) return undefined;
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirAt = tail.readUInt32LE(eocd + 16);
    if (dirAt === 0xffffffff || dirAt + dirSize > size) return undefined;
    const dir = Buffer.alloc(dirSize);
    readSync(fd, dir, 0, dirSize, dirAt);
    const parts: ZipPart[] = [];
    for (let at = 0, n = 0; n < count && at + 46 <= dirSize; n++) {
      if (dir.readUInt32LE(at) !== CENTRAL) return undefined;
      const unpacked = dir.readUInt32LE(at + 24);
      const nameLength = dir.readUInt16LE(at + 28);
      const skip = nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
      parts.push({
        name: dir.toString('utf8', at + 46, at + 46 + nameLength),
        size: unpacked === 0xffffffff ? undefined : unpacked,
        at: dir.readUInt32LE(at + 42),
        method: dir.readUInt16LE(at + 10),
        packed: dir.readUInt32LE(at + 20),
      });
      at += 46 + skip;
    }
    return parts;
  } finally {
    closeSync(fd);
  }
}

/** Why a workbook is too large to read safely, or undefined: checked on the sizes its zip declares, before anything is unpacked. */
export function workbookTooLarge(parts: readonly ZipPart[]): string | undefined {
  const mib = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;
  const unknown = parts.find((p) => p.size === undefined);
  if (unknown !== undefined) return `its part ${unknown.name} unpacks to more than 4 GiB`;
  const strings = parts.find((p) => /^xl\/sharedStrings\.xml$/i.test(p.name));
  if (strings !== undefined && strings.size! > WORKBOOK_LIMITS.sharedStrings)
    return `its shared strings unpack to ${mib(strings.size!)} (more than ${mib(WORKBOOK_LIMITS.sharedStrings)}), all of which would be held in memory`;
  const total = parts.reduce((n, p) => n + p.size!, 0);
  if (total > WORKBOOK_LIMITS.total) return `it unpacks to ${mib(total)} (more than ${mib(WORKBOOK_LIMITS.total)})`;
  return undefined;
}

/**
 * The last bytes of a part, unpacked as it streams (nothing held but the
 * tail); undefined when its data cannot be unpacked (cut, or damaged).
 */
export async function partTail(file: string, part: ZipPart, bytes = 64): Promise<string | undefined> {
  const fd = openSync(file, 'r');
  let dataAt: number;
  try {
    const local = Buffer.alloc(30);
    readSync(fd, local, 0, 30, part.at);
    if (local.readUInt32LE(0) !== 0x04034b50) return undefined;
    dataAt = part.at + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    closeSync(fd);
  }
  if (part.packed === 0) return '';
  const raw = createReadStream(file, { start: dataAt, end: dataAt + part.packed - 1 });
  const source = part.method === 8 ? raw.pipe(createInflateRaw()) : part.method === 0 ? raw : undefined;
  if (source === undefined) return undefined;
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) tail = Buffer.concat([tail, chunk]).subarray(-bytes);
  } catch {
    return undefined;
  }
  return tail.toString('utf8');
}
