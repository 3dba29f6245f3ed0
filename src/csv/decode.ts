import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';

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
 * Bytes invalid in the encoding become U+FFFD here and are reported per record
 * by the reader's caller, with line and column, instead of passing silently.
 */
export class DecodeToLf extends Transform {
  private readonly decoder: ReturnType<typeof iconv.getDecoder>;
  private pendingCr = false;

  constructor(encoding: string) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    this.decoder = iconv.getDecoder(encoding, { stripBOM: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.emitText(this.decoder.write(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.emitText(this.decoder.end() ?? '');
    if (this.pendingCr) this.push('\n');
    done();
  }

  private emitText(text: string): void {
    if (text === '') return;
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
    if (t !== '') this.push(t);
  }
}
