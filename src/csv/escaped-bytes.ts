import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/**
 * Bytes that are not valid UTF-8 are kept, not replaced: each byte 0xXY becomes
 * the private-use character U+F7XY (the idea of Python's "surrogate escape";
 * a lone surrogate would not survive csv-parse, which works on UTF-8 bytes), so
 * a record that held them can be reported (ENCODING_INVALID) and written back to
 * failures.csv as the very same bytes, and a rerun with the right csv.encoding
 * reads the original characters. U+F780–U+F7FF is outside the ranges systems
 * use (macOS's function keys end at U+F747); a real one in an input would be
 * reported as an undecodable byte, never sent altered.
 */
const BASE = 0xf700;
const ESCAPED = /[\uF780-\uF7FF]+/g;

export const hasEscapedBytes = (text: string): boolean => /[\uF780-\uF7FF]/.test(text);

/** For people: the escaped bytes shown as U+FFFD. */
export const showEscapedBytes = (text: string): string => text.replace(/[\uF780-\uF7FF]/g, '\uFFFD');

/** The text as bytes: UTF-8, with every escaped byte written back as itself. */
export function encodeWithEscapedBytes(text: string): Buffer {
  if (!hasEscapedBytes(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (const m of text.matchAll(ESCAPED)) {
    parts.push(Buffer.from(text.slice(at, m.index), 'utf8'), Buffer.from([...m[0]].map((c) => c.charCodeAt(0) - BASE)));
    at = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(at), 'utf8'));
  return Buffer.concat(parts);
}

/** Escaped bytes read in `encoding` (a failure report's cells, rerun with the config's real encoding); left escaped when that is UTF-8 too. */
export function decodeEscapedBytes(text: string, encoding: string): string {
  if (!hasEscapedBytes(text) || /^utf-?8$/i.test(encoding)) return text;
  return text.replace(ESCAPED, (run) =>
    iconv.decode(Buffer.from([...run].map((c) => c.charCodeAt(0) - BASE)), encoding),
  );
}

/** Length of a UTF-8 sequence from its lead byte; 0 for a byte that cannot lead one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** A streaming UTF-8 decoder that escapes invalid bytes instead of replacing them. Valid chunks take the native path. */
export class EscapingUtf8Decoder {
  private carry: Buffer = Buffer.alloc(0);

  write(chunk: Buffer): string {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // A sequence cut by the chunk's end waits for the next chunk.
    let end = bytes.length;
    for (let back = 1; back <= 3 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back]!;
      if ((b & 0xc0) === 0x80) continue;
      if (sequenceLength(b) > back) end = bytes.length - back;
      break;
    }
    this.carry = Buffer.from(bytes.subarray(end));
    return decode(bytes.subarray(0, end));
  }

  end(): string {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return decode(rest);
  }
}

function decode(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]!);
    const seq = n > 0 ? bytes.subarray(i, i + n) : undefined;
    if (seq !== undefined && seq.length === n && isUtf8(seq)) {
      out += seq.toString('utf8');
      i += n;
    } else {
      out += String.fromCharCode(BASE + bytes[i]!);
      i++;
    }
  }
  return out;
}
