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
 * Stands for the CR of a CRLF inside a quoted cell while the text is parsed
 * (the cell's line break is then an LF the parser and the line count see);
 * `keepCellLineEnds` gives the CRLF back. A private-use character no export
 * writes; a file that holds it gets its cells' CRLFs as LFs instead.
 */
export const CR_IN_CELL = '\uE00D';

/** A cell as written: its CRLFs back, and a marker left at a field's end (a line end the quote count misread) dropped. */
export function keepCellLineEnds(cell: string): string {
  return cell.includes(CR_IN_CELL) ? cell.replace(/\uE00D\n/g, '\r\n').replaceAll(CR_IN_CELL, '') : cell;
}

/**
 * The text is handed on in pieces of at most this many bytes of the file,
 * whatever the size of the chunks read. A piece's records stay alive together
 * until the consumer is through them, and V8 moves every later object of an
 * allocation site straight to the old generation when 100 or more of its
 * objects made since the last young-generation collection all survive it: a
 * 64 KB read's records, caught whole by one, are enough, and the run then fills
 * the old generation with records (--trace-pretenuring-statistics;
 * bench/README.md). 4 KB is some 15 to 40 records of a CRM export. Cut as
 * bytes, before decoding: the decoded 64 KB text cut into slices left the run
 * in that mode, five runs of five.
 */
const TEXT_PIECE_BYTES = 4 * 1024;

/**
 * Bytes → text in `encoding`, with every line end (CRLF, CR, LF) made LF so that
 * line numbers are counted one way (csv-parse counts CRLF inside quoted fields
 * twice); a CRLF inside a quoted cell is kept as CR_IN_CELL + LF, so that the
 * cell reaches the contact as it was written. Multi-byte characters and CRLF
 * pairs split across chunks are carried over.
 * Bytes invalid in UTF-8 are kept as escaped bytes (escaped-bytes.ts) and
 * reported per record by the reader's caller, with line and column, instead of
 * passing silently; failures.csv writes them back as they were.
 */
export class DecodeToLf extends Transform {
  private readonly decoder: { write(chunk: Buffer): string; end(): string | undefined };
  private pendingCr = false;
  private first = true;
  /** Where the text read so far left off: at a field's start, in an unquoted or a quoted field, or just past a quote in one. */
  private field: FieldState = 'start';
  /** The file itself holds CR_IN_CELL: its cells' CRLFs become LFs, as before. */
  private markerInFile = false;
  /** Bytes decoded so far, and the characters they gave: their ratio turns text read back into bytes of the file. */
  private bytesIn = 0;
  private charsOut = 0;

  constructor(private readonly encoding: string) {
    // Strings pass through as objects: a round trip through bytes would turn escaped bytes into U+FFFD.
    // One chunk decoded ahead is enough to keep the parser busy; object mode's
    // default of 16 held a megabyte of text ahead of the parser.
    super({ readableObjectMode: true, readableHighWaterMark: 1, decodeStrings: true });
    this.decoder = /^utf-?8$/i.test(encoding)
      ? new EscapingUtf8Decoder()
      : iconv.getDecoder(encoding, { stripBOM: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytesIn += chunk.length;
    for (let at = 0; at < chunk.length; at += TEXT_PIECE_BYTES)
      this.emitText(this.decoder.write(chunk.subarray(at, at + TEXT_PIECE_BYTES)));
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
    if (!this.markerInFile && text.includes(CR_IN_CELL)) this.markerInFile = true;
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    t = this.lineEnds(t);
    if (t === '') return;
    this.charsOut += t.length;
    this.push(t);
  }

  /**
   * Every CR and CRLF made LF; a CRLF inside a quoted field made CR_IN_CELL +
   * LF. Fields are followed as csv-parse reads them with relax_quotes: a quote
   * opens a quoted field only at a field's start (after a delimiter or a line
   * end), so a stray quote in an unquoted cell (5'11") opens nothing. The
   * delimiter is not known yet when the first text is decoded: any of the ones
   * detected (, ; tab |) ends a field here, which only matters just before a quote.
   * Only quotes and CRs are visited (most records have neither): whether a
   * quote starts a field is read off the character before it.
   */
  private lineEnds(t: string): string {
    let state = this.field;
    let out = '';
    let copied = 0;
    // Where the text after the last quote or CR visited starts.
    let pos = 0;
    QUOTE_OR_CR.lastIndex = 0;
    for (let m = QUOTE_OR_CR.exec(t); m !== null; m = QUOTE_OR_CR.exec(t)) {
      const at = m.index;
      // Text between the last visit and this one: outside a quoted field, it decides where a field starts.
      if (at > pos && state !== 'quoted') state = FIELD_END.has(t[at - 1]!) ? 'start' : 'unquoted';
      pos = at + 1;
      if (m[0] === '"') {
        state = state === 'start' ? 'quoted' : state === 'quoted' ? 'quote' : state === 'quote' ? 'quoted' : 'unquoted';
      } else {
        const crlf = t[at + 1] === '\n';
        out += t.slice(copied, at) + (crlf && state === 'quoted' && !this.markerInFile ? `${CR_IN_CELL}\n` : '\n');
        copied = pos = at + (crlf ? 2 : 1);
        QUOTE_OR_CR.lastIndex = pos;
        if (state !== 'quoted') state = 'start';
      }
    }
    if (t.length > pos && state !== 'quoted') state = FIELD_END.has(t[t.length - 1]!) ? 'start' : 'unquoted';
    this.field = state;
    return copied === 0 ? t : out + t.slice(copied);
  }

  /** The bytes of the file that `chars` characters of its text took, by the ratio seen so far. */
  bytesFor(chars: number): number {
    return this.charsOut > 0 ? (chars * this.bytesIn) / this.charsOut : chars;
  }
}

type FieldState = 'start' | 'unquoted' | 'quoted' | 'quote';

/** The characters lineEnds visits: a quote may open or close a field, a CR is a line end to rewrite. */
const QUOTE_OR_CR = /["\r]/g;
/** A character after which a field starts: a line end or any delimiter detected. */
const FIELD_END = new Set(['\n', '\r', ',', ';', '\t', '|']);
