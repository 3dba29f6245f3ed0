import { once } from 'node:events';
import { parse, type Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { keepCellLineEnds } from './decode.js';
import { RecordLocator } from './record-locator.js';

/**
 * The most text one record may take (csv-parse's max_record_size, counted in
 * bytes). A contact is a few hundred bytes; a record this long is a quote that
 * is never closed, swallowing the lines after it, or a file pasted into a
 * cell. Without a cap, one stray quote early in a large file holds the rest of
 * the file in memory before any of it is reported.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** How much of a malformed record's text a report keeps. */
const RAW_KEPT = 4096;

/** What the parser made of the text, placed at its physical lines. */
export type ParsedRecord =
  | { readonly kind: 'fields'; readonly line: number; readonly fields: string[] }
  | {
      readonly kind: 'skipped';
      readonly line: number;
      readonly endLine: number;
      /** The record's text as it stands in the file, cut (and marked as cut) past RAW_KEPT characters. */
      readonly raw: string;
      /** The text exactly, when it is one line: what a footer line is recognised by. */
      readonly singleLine: string | undefined;
      /** Best-effort fields (the first line split at the delimiter, ignoring quotes), for the failure report. */
      readonly fields: string[];
      readonly message: string;
    };

type ParseError = Error & { code?: string; lines?: number };
type ParserOutput = string[] | { skipped: ParseError };

/**
 * Parses CSV text (LF line ends) into records, a chunk at a time, the first
 * record being the header. A record the parser skips is reported with its
 * lines; when it is one line whose stray opening quote swallowed the lines
 * after it, or a record over `maxRecordBytes`, only its first line is
 * reported and parsing starts again, with a fresh parser, on the line after.
 * The restart is a loop, not a recursion: any number of stray quotes costs
 * no stack, and memory holds at most one capped record.
 */
export async function* parseRecords(
  text: AsyncIterable<string> | Iterable<string>,
  delimiter: string,
  firstLine: number,
  maxRecordBytes = MAX_RECORD_BYTES,
): AsyncGenerator<ParsedRecord[]> {
  const reader = new RecoveringParser(delimiter, firstLine, maxRecordBytes);
  try {
    for await (const chunk of text) yield reader.write(chunk);
    yield await reader.end();
  } finally {
    reader.destroy();
  }
}

/** A line longer than the cap, being stepped over up to its line end. */
interface LongLine {
  readonly line: number;
  head: string;
  chars: number;
}

class RecoveringParser {
  private parser: Parser;
  private locator: RecordLocator;
  /** Fields in the header: set by the first record, the count each restarted parser expects. */
  private width: number | undefined;
  private longLine: LongLine | undefined;
  private failure: Error | undefined;
  /** A restarted parser's first record is its own header: placed, never given out. */
  private headerPending = false;

  constructor(
    private readonly delimiter: string,
    firstLine: number,
    private readonly maxRecordBytes: number,
  ) {
    this.locator = new RecordLocator(firstLine);
    this.parser = this.makeParser();
  }

  write(chunk: string): ParsedRecord[] {
    const out: ParsedRecord[] = [];
    let text = chunk;
    if (this.longLine !== undefined) {
      const end = text.indexOf('\n');
      const part = end < 0 ? text : text.slice(0, end);
      if (this.longLine.head.length < RAW_KEPT)
        this.longLine.head += part.slice(0, RAW_KEPT - this.longLine.head.length);
      this.longLine.chars += part.length;
      if (end < 0) return out;
      const { line } = this.longLine;
      out.push(this.tooLongLine(this.longLine));
      this.longLine = undefined;
      text = text.slice(end + 1);
      this.restart(line + 1, '');
    }
    this.locator.append(text);
    this.parser.write(text);
    this.place(out);
    return out;
  }

  async end(): Promise<ParsedRecord[]> {
    const out: ParsedRecord[] = [];
    if (this.longLine !== undefined) {
      out.push(this.tooLongLine(this.longLine));
      this.longLine = undefined;
      return out;
    }
    // A restart at the end of the text leaves a new parser to end in turn.
    for (let ending = this.parser; ; ending = this.parser) {
      ending.end();
      // 'finish' follows the parser's flush: the last record (no line end after it) is in the buffer.
      await once(ending, 'finish');
      this.place(out);
      if (this.parser === ending) break;
    }
    // The last line, without a line end, was longer than the cap.
    if (this.longLine !== undefined) out.push(this.tooLongLine(this.longLine));
    this.longLine = undefined;
    return out;
  }

  destroy(): void {
    this.parser.destroy();
  }

  private makeParser(): Parser {
    const parser: Parser = parse({
      delimiter: this.delimiter,
      record_delimiter: '\n',
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: this.maxRecordBytes,
      // A stray quote inside an unquoted cell (5'11", O"Brien) is kept as text.
      relax_quotes: true,
      // Pushed into the stream rather than emitted as an event, so a skipped record
      // keeps its place between the records before and after it.
      on_skip: (err) => {
        parser.push({ skipped: err ?? new Error('unknown parse error') });
        return undefined;
      },
    });
    parser.on('error', (err) => (this.failure = err));
    return parser;
  }

  /**
   * The parser's records so far, placed in order. csv-parse transforms a chunk
   * within write(); its records wait in the readable buffer until read here.
   */
  private drain(): ParserOutput[] {
    if (this.failure) throw this.failure;
    const out: ParserOutput[] = [];
    for (
      let next = this.parser.read() as ParserOutput | null;
      next !== null;
      next = this.parser.read() as ParserOutput | null
    )
      out.push(next);
    return out;
  }

  private place(out: ParsedRecord[]): void {
    for (let restarted = true; restarted;) {
      restarted = false;
      for (const output of this.drain()) {
        if (Array.isArray(output) && this.headerPending) {
          this.locator.record(output);
          this.headerPending = false;
        } else if (Array.isArray(output) && this.swallowedLines(output, out)) {
          restarted = true;
          break;
        } else if (Array.isArray(output)) {
          this.width ??= output.length;
          out.push({ kind: 'fields', line: this.locator.record(output), fields: output });
        } else if (this.recover(output.skipped, out)) {
          // What the old parser made after this point is parsed again by the new one.
          restarted = true;
          break;
        }
      }
    }
  }

  /** Places a skipped record; true when parsing starts again after its first line. */
  private recover(err: ParseError, out: ParsedRecord[]): boolean {
    const width = this.width;
    if (err.code === 'CSV_MAX_RECORD_SIZE' && width !== undefined) {
      const { line, firstLine } = this.locator.firstLineOfPending();
      if (firstLine === undefined) {
        // The line itself runs past what has been read: stepped over up to its end.
        const rest = this.locator.rest();
        this.longLine = { line, head: rest.slice(0, RAW_KEPT), chars: rest.length };
        // Nothing is parsed until the line ends (write() starts a parser then).
        this.parser.destroy();
        this.parser = this.makeParser();
        return true;
      }
      if (firstLine.length > this.maxRecordBytes)
        out.push(this.tooLongLine({ line, head: firstLine.slice(0, RAW_KEPT), chars: firstLine.length }));
      else {
        const stray = strayQuoteLine(firstLine, width, this.delimiter);
        out.push(
          this.malformed(
            line,
            line,
            firstLine,
            `${tooLong(this.maxRecordBytes)}${stray ? ', from an unmatched quote on this line' : ''}; the lines after it are read again as records`,
          ),
        );
      }
      this.locator.passLines(1);
      this.restart(line + 1, this.locator.rest());
      return true;
    }
    const { line, endLine, raw } = this.locator.pending(err.lines);
    const lines = raw.split('\n');
    const message = describeParseError(err, width);
    // A one-line record whose opening quote swallowed the lines after it: that line alone is malformed.
    if (
      width !== undefined &&
      lines.length > 1 &&
      strayQuoteLine(lines[0]!, width, this.delimiter) &&
      quotes(lines[1]!) % 2 === 0
    ) {
      out.push(this.malformed(line, line, lines[0]!, `${message}; an unmatched quote on this line`));
      this.locator.passLines(1);
      this.restart(line + 1, this.locator.rest());
      return true;
    }
    this.locator.passLines(endLine - line + 1);
    out.push(this.malformed(line, endLine, raw, message));
    return false;
  }

  /**
   * A record the parser accepted, but whose first line opens a quote that
   * never closes as a quoted cell: relax_quotes then reads the cell unquoted,
   * lines and all, up to the next delimiter, and the lines after it vanish into
   * one contact's field. Such a cell starts with the quote and stands in the
   * text exactly as it was read (a real quoted cell stands in quotes, with its
   * quotes doubled). Its first line alone is reported, and parsing starts again
   * on the line after it; true when it was one.
   */
  private swallowedLines(fields: string[], out: ParsedRecord[]): boolean {
    const width = this.width;
    const cell = width === undefined ? undefined : fields.find((f) => f.startsWith('"') && f.includes('\n'));
    if (cell === undefined) return false;
    const breaks = fields.reduce((n, f) => n + f.split('\n').length - 1, 0);
    const raw = this.locator.peek(breaks + 1);
    const firstLine = raw.split('\n', 1)[0]!;
    if (!strayQuoteLine(firstLine, width!, this.delimiter) || !standsUnquoted(raw, cell, this.delimiter)) return false;
    const line = this.locator.firstLineOfPending().line;
    out.push(
      this.malformed(
        line,
        line,
        firstLine,
        `an unmatched quote on this line: read as CSV, it takes the ${breaks} line(s) after it into one cell; the lines after it are read again as records`,
      ),
    );
    this.locator.passLines(1);
    this.restart(line + 1, this.locator.rest());
    return true;
  }

  /** A fresh parser from `line` on, given the header's width by a header of its own that is never placed. */
  private restart(line: number, text: string): void {
    this.parser.destroy();
    this.failure = undefined;
    this.parser = this.makeParser();
    // The header takes the line before `line`, so the lines the parser's errors name stay the file's.
    const header = `${Array.from({ length: this.width ?? 1 }, (_, i) => `c${i}`).join(this.delimiter)}\n`;
    this.locator = new RecordLocator(line - 1);
    this.locator.append(header + text);
    this.parser.write(header + text);
    this.headerPending = true;
  }

  private malformed(line: number, endLine: number, raw: string, message: string): ParsedRecord {
    const single = raw.includes('\n') ? undefined : raw;
    return {
      kind: 'skipped',
      line,
      endLine,
      raw: kept(raw),
      singleLine: single,
      fields: splitUnquoted(raw.split('\n', 1)[0]!, this.delimiter).map(keepCellLineEnds),
      message,
    };
  }

  /** A line longer than the cap: its start is kept for the report, and no field of it, since each could be cut. */
  private tooLongLine({ line, head, chars }: LongLine): ParsedRecord {
    const raw = `${keepCellLineEnds(head)}… [cut: ${chars} characters in all]`;
    return {
      kind: 'skipped',
      line,
      endLine: line,
      raw,
      singleLine: undefined,
      fields: [],
      message: `${tooLong(this.maxRecordBytes)}: one line of ${chars} characters`,
    };
  }
}

const tooLong = (max: number) =>
  `record too long: over ${max.toLocaleString('en-US')} bytes (a record may take ${max / (1024 * 1024)} MiB)`;

const quotes = (line: string) => line.split('"').length - 1;

/** A line that is a whole record but for one stray opening quote: the header's number of fields read without quoting, and an odd number of quotes. */
function strayQuoteLine(line: string, width: number, delimiter: string): boolean {
  return quotes(line) % 2 === 1 && splitUnquoted(line, delimiter).length === width;
}

/** `cell` stands in `raw` as it is, between delimiters or line ends: it was never a quoted cell. */
function standsUnquoted(raw: string, cell: string, delimiter: string): boolean {
  for (let at = raw.indexOf(cell); at >= 0; at = raw.indexOf(cell, at + 1)) {
    const before = at === 0 ? '\n' : raw[at - 1];
    const after = at + cell.length === raw.length ? '\n' : raw[at + cell.length];
    if ((before === delimiter || before === '\n') && (after === delimiter || after === '\n')) return true;
  }
  return false;
}

/** A malformed record's text as reports keep it: whole, or its start marked as cut. */
function kept(text: string): string {
  const raw = keepCellLineEnds(text.length <= RAW_KEPT ? text : text.slice(0, RAW_KEPT));
  return text.length <= RAW_KEPT ? raw : `${raw}… [cut: ${text.length} characters in all]`;
}

function splitUnquoted(line: string, delimiter: string): string[] {
  if (line === '') return [];
  const rows = parseSync(line, { delimiter, quote: false, relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

function describeParseError(err: ParseError, width: number | undefined): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${err.message.replace(/ on line \d+$/, '').replace(/^Invalid Record Length: /, 'wrong number of fields: ')} (the header has ${width})`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    default:
      return `cannot parse this record: ${err.message}`;
  }
}
