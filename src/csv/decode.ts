import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { EscapingUtf8Decoder } from './escaped-bytes.js';

/** What the first bytes say about the encoding; a BOM overrides the config. */
export function sniffBom(head: Buffer): { encoding: string; bomLength: number } | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return undefined;
}

/**
 * Bytes → text in `encoding`, with every line end (CRLF, CR, LF) made LF so that
 * line numbers are counted one way (csv-parse counts CRLF inside quoted fields
 * twice). Multi-byte characters and CRLF pairs split across chunks are carried over.
 * Bytes invalid in UTF-8 are kept as escaped bytes (escaped-bytes.ts) and
 * reported per record by the reader's caller, with line and column, instead of
 * passing silently; failures.csv writes them back as they were.
 */
export class DecodeToLf extends Transform {
  private readonly decoder: { write(chunk: Buffer): string; end(): string | undefined };
  private pendingCr = false;
  private first = true;
  /** Bytes decoded so far, and the characters they gave: their ratio turns text read back into bytes of the file. */
  private bytesIn = 0;
  private charsOut = 0;

  constructor(private readonly encoding: string) {
    // Strings pass through as objects: a round trip through bytes would turn escaped bytes into U+FFFD.
    // One chunk decoded ahead is enough to keep the parser busy; object mode's
    // default of 16 held a megabyte of text ahead of the parser.
    super({ readableObjectMode: true, readableHighWaterMark: 1, decodeStrings: true });
    this.decoder = /^utf-?8$/i.test(encoding) ? new EscapingUtf8Decoder() : iconv.getDecoder(encoding, { stripBOM: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    this.emitText(this.decoder.write(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.emitText(this.decoder.end() ?? '');
    if (this.pendingCr) this.push('\n');
    done();
  }

  private emitText(raw: string): void {
    // iconv strips a BOM itself; the escaping UTF-8 decoder leaves it to this.
    const text = this.first && /^utf-?8$/i.test(this.encoding) ? raw.replace(/^\uFEFF/, '') : raw;
    if (raw !== '') this.first = false;
    if (text === '') return;
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
    if (t === '') return;
    this.charsOut += t.length;
    this.push(t);
  }

  /** The bytes of the file that `chars` characters of its text took, by the ratio seen so far. */
  bytesFor(chars: number): number {
    return this.charsOut > 0 ? (chars * this.bytesIn) / this.charsOut : chars;
  }
}
