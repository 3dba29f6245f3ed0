import { createReadStream } from 'node:fs';

/** One physical line of a vCard file (latin1: one character a byte), or the start of one over the cap. */
export interface PhysicalLine {
  /** The line without its newline; for a line over the cap, only its first characters. */
  readonly text: string;
  /** Its bytes, newline included. */
  readonly bytes: number;
  /** Longer than the cap: stepped over to its end without being held. */
  readonly tooLong?: true;
}

/** What is kept of a line over the cap: enough to name its property. */
const HEAD_KEPT = 200;

/**
 * The physical lines of a file, in time linear in its size and memory bounded
 * by `cap` whatever its line lengths: a line over the cap (an unfolded 100 MB
 * photo) is counted to its end and passed on as its head alone. The remainder
 * of a chunk is searched for a newline only from where the last search ended.
 */
export async function* physicalLines(file: string, cap: number): AsyncGenerator<PhysicalLine> {
  let rest = '';
  /** Inside a line over the cap: its head and the bytes so far. */
  let long: { head: string; bytes: number } | undefined;
  for await (const chunk of createReadStream(file, {
    encoding: 'latin1',
    highWaterMark: 64 * 1024,
  }) as AsyncIterable<string>) {
    let from = 0;
    if (long !== undefined) {
      const nl = chunk.indexOf('\n');
      if (nl < 0) {
        long.bytes += chunk.length;
        continue;
      }
      yield { text: long.head, bytes: long.bytes + nl + 1, tooLong: true };
      long = undefined;
      from = nl + 1;
    }
    // `rest` held no newline: only the new chunk is searched.
    const text = rest + (from === 0 ? chunk : chunk.slice(from));
    let at = 0;
    for (let nl = text.indexOf('\n', rest.length); nl >= 0; nl = text.indexOf('\n', at)) {
      yield { text: text.slice(at, nl), bytes: nl + 1 - at };
      at = nl + 1;
    }
    rest = text.slice(at);
    if (rest.length > cap) {
      long = { head: rest.slice(0, HEAD_KEPT), bytes: rest.length };
      rest = '';
    }
  }
  if (long !== undefined) yield { text: long.head, bytes: long.bytes, tooLong: true };
  else if (rest !== '') yield { text: rest, bytes: rest.length };
}
