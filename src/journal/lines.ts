import { createReadStream } from 'node:fs';

/**
 * Calls `fn` with each line's byte range; the buffer is only valid during the
 * call; an unfinished last line (no newline) is not passed. `afterChunk`, when given, is awaited after each read chunk (to write out
 * what the lines produced, at the disk's pace). Only a line split across two
 * chunks is copied, so reading a big journal allocates little.
 */
export async function forEachLine(path: string, fn: (buf: Buffer, start: number, end: number) => void, afterChunk?: () => Promise<void>): Promise<void> {
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const buf = chunk as Buffer;
    let start = 0;
    if (carry !== undefined) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, buf]);
        continue;
      }
      const joined = Buffer.concat([carry, buf.subarray(0, nl)]);
      fn(joined, 0, joined.length);
      carry = undefined;
      start = nl + 1;
    }
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      fn(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
    if (afterChunk) await afterChunk();
  }
  // A last line without its newline is unfinished (a crash, or a writer still at
  // it): it is not a line yet. A run cuts it off before reading (repairTornTail).
}

/** Whether `buf` holds `prefix` at `at`, within `end`. A plain loop: Buffer.compare's argument checks cost more than these few bytes. */
export function bytesStartWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}
