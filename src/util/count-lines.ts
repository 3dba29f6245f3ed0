import { createReadStream } from 'node:fs';

/**
 * Lines in a file, counted fast (LF bytes, not CSV): for LF and CRLF files an
 * upper bound on its records, for a progress total and for sizing the
 * duplicate check (a CR-only file just counts as one line).
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
    last = buf[buf.length - 1] ?? last;
  }
  return last === 10 ? lines : lines + 1;
}
