import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Calls `fn` with each line's byte range in the buffer and its offset in the
 * file (`at`), from `fromByte` (the start of a line) on; the buffer is only valid during the call; an unfinished last line
 * (no newline) is not passed. `afterChunk`, when
 * given, is awaited after each read chunk (to write out what the lines
 * produced, at the disk's pace). One buffer is read into again and again (a
 * line cut by its end moves to its front), so reading a journal of a million
 * lines allocates next to nothing: a stream's fresh 256 KB per chunk was
 * 100 MB of garbage held until the collector came by.
 */
export async function forEachLine(
  path: string,
  fn: (buf: Buffer, start: number, end: number, at: number) => void,
  afterChunk?: () => Promise<void>,
  fromByte = 0,
): Promise<void> {
  const handle = await open(path, 'r');
  let position = fromByte;
  try {
    let buf = Buffer.allocUnsafe(256 * 1024);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: a bigger one.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, position);
      // The file offset of buf[0].
      const bufAt = position - filled;
      position += bytesRead;
      if (bytesRead === 0) break;
      const end = filled + bytesRead;
      const view = buf.subarray(0, end);
      let start = 0;
      for (let nl = view.indexOf(10, start); nl >= 0; nl = view.indexOf(10, start)) {
        fn(buf, start, nl, bufAt + start);
        start = nl + 1;
      }
      buf.copy(buf, 0, start, end);
      filled = end - start;
      if (afterChunk) await afterChunk();
    }
  } finally {
    await handle.close();
  }
  // A last line without its newline is unfinished (a crash, or a writer still at
  // it): it is not a line yet. A run cuts it off before reading (repairTornTail).
}

/**
 * A small append-only JSON-lines file (an earlier version's prior.jsonl, rollback.jsonl), read
 * whole: each line parsed, blank ones passed over. A last line torn by a kill
 * was never acted on and is passed over too; any other line that is not JSON
 * was written by something else: `corrupt(lineNo)` is thrown. No file: none.
 */
export function readJsonLines(path: string, corrupt: (lineNo: number) => Error): unknown[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: unknown[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch {
      if (i < lines.length - 2) throw corrupt(i + 1);
    }
  });
  return out;
}

/** Whether the line `buf[start, end)` begins with these bytes (a JS loop: on millions of lines, cheaper than a native compare). */
export function lineStartsWith(buf: Buffer, start: number, end: number, bytes: Buffer): boolean {
  if (end - start < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}
