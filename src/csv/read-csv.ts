import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import { DecodeToLf, sniffBom } from './decode.js';
import { detectDelimiter } from './detect-delimiter.js';
import { innerLineBreaks, trimRaw } from './line-breaks.js';

export interface CsvRecord {
  readonly kind: 'record';
  /** Physical line (1-based) where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
}

/** A record the parser could not read: reported with its lines, never dropped. */
export interface CsvMalformed {
  readonly kind: 'malformed';
  readonly line: number;
  readonly endLine: number;
  /** The record's text as it stands in the file. */
  readonly raw: string;
  /** Best-effort fields (the line split at the delimiter, ignoring quotes), for the failure report. */
  readonly fields: readonly string[];
  readonly message: string;
}

export type CsvItem = CsvRecord | CsvMalformed;

export interface OpenedCsv {
  readonly file: string;
  readonly encoding: string;
  readonly delimiter: string;
  readonly header: readonly string[];
  readonly items: AsyncIterable<CsvItem>;
}

export interface CsvOptions {
  readonly encoding: string;
  readonly delimiter?: string;
}

/**
 * Streams a CSV file: decoding, delimiter detection, the header, then records
 * with their physical line numbers. Memory is bounded by the stream buffers
 * whatever the file's size; the consumer's pace drives the reading.
 */
export async function openCsv(file: string, options: CsvOptions): Promise<OpenedCsv> {
  const head = await readHead(file);
  const bom = sniffBom(head);
  const encoding = bom?.encoding ?? options.encoding;
  const text = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(new DecodeToLf(encoding));
  const chunks = text[Symbol.asyncIterator]() as AsyncIterator<string>;

  // Buffer up to the end of the header line to detect the delimiter before parsing.
  let prefix = '';
  let done = false;
  while (!prefix.includes('\n') && !done) {
    const next = await chunks.next();
    if (next.done) done = true;
    else prefix += next.value;
  }
  const headerLine = prefix.split('\n', 1)[0] ?? '';
  const delimiter = options.delimiter ?? detectDelimiter(headerLine);

  const source = Readable.from(
    (async function* () {
      if (prefix) yield prefix;
      if (done) return;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    })(),
    { objectMode: false },
  );
  const parser = makeParser(delimiter);
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);

  const iterator = parser[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new UsageError('CSV_EMPTY', `${file} is empty: expected a header line naming the columns`);
  const firstItem = first.value as ParserOutput;
  if ('skipped' in firstItem) {
    throw new UsageError('CSV_HEADER_MALFORMED', `${file}:1: the header line cannot be read: ${firstItem.skipped.message}`);
  }
  const header = firstItem.record.map((h) => h.trim());
  return { file, encoding, delimiter, header, items: records(iterator, header.length, delimiter) };
}

async function readHead(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new UsageError('INPUT_UNREADABLE', `cannot read input ${file}: ${(err as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

type ParserOutput =
  | { record: string[]; raw: string; info: { lines: number } }
  | { skipped: Error & { code?: string; lines?: number }; raw: string };

function makeParser(delimiter: string): Parser {
  const parser: Parser = parse({
    delimiter,
    record_delimiter: '\n',
    info: true,
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // A stray quote inside an unquoted cell (5'11", O"Brien) is kept as text.
    relax_quotes: true,
    // Pushed into the stream rather than emitted as an event, so a skipped record
    // keeps its place between the records before and after it.
    on_skip: (err, raw) => {
      parser.push({ skipped: err ?? new Error('unknown parse error'), raw: raw ?? '' });
      return undefined;
    },
  });
  return parser;
}

async function* records(iterator: AsyncIterator<unknown>, width: number, delimiter: string): AsyncGenerator<CsvItem> {
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const item = next.value as ParserOutput;
    if ('record' in item) {
      yield { kind: 'record', line: item.info.lines - innerLineBreaks(item.raw), fields: item.record };
    } else {
      const endLine = item.skipped.lines ?? 0;
      yield* recoverSkipped(trimRaw(item.raw), endLine - innerLineBreaks(item.raw), item.skipped, width, delimiter);
    }
  }
}

/**
 * A skipped record that spans several lines is usually one line with a stray
 * opening quote that swallowed the lines after it. When that first line, read
 * without quoting, has the header's number of fields and an odd number of
 * quotes, and the next line does not close a quote, it alone is reported
 * malformed and the lines after it are parsed again as records. Otherwise the
 * whole span is one malformed record (a real multi-line cell with a wrong count).
 */
async function* recoverSkipped(raw: string, line: number, err: Error, width: number, delimiter: string): AsyncGenerator<CsvItem> {
  const lines = raw.split('\n');
  const firstFields = splitUnquoted(lines[0] ?? '', delimiter);
  const message = describeParseError(err, width);
  // The line after it must not close a quote (an odd count of quotes there
  // means it continues a real multi-line cell).
  const quotes = (l: string | undefined) => (l ?? '').split('"').length - 1;
  if (lines.length > 1 && firstFields.length === width && quotes(lines[0]) % 2 === 1 && quotes(lines[1]) % 2 === 0) {
    yield { kind: 'malformed', line, endLine: line, raw: lines[0]!, fields: firstFields, message: `${message}; an unmatched quote on this line` };
    const rest = lines.slice(1).join('\n') + '\n';
    yield* reparse(rest, line + 1, width, delimiter);
    return;
  }
  yield { kind: 'malformed', line, endLine: line + lines.length - 1, raw, fields: firstFields, message };
}

async function* reparse(text: string, firstLine: number, width: number, delimiter: string): AsyncGenerator<CsvItem> {
  const parser = makeParser(delimiter);
  parser.end(`${Array.from({ length: width }, (_, i) => `c${i}`).join(delimiter)}\n${text}`);
  const iterator = parser[Symbol.asyncIterator]();
  await iterator.next(); // the synthetic header
  for await (const item of records(iterator, width, delimiter)) {
    // Lines in the re-parsed text count from the synthetic header at line 1.
    const shift = firstLine - 2;
    yield item.kind === 'record' ? { ...item, line: item.line + shift } : { ...item, line: item.line + shift, endLine: item.endLine + shift };
  }
}

function splitUnquoted(line: string, delimiter: string): string[] {
  if (line === '') return [];
  const rows = parseSync(line, { delimiter, quote: false, relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

function describeParseError(err: Error & { code?: string }, width: number): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `${err.message.replace(/ on line \d+$/, '').replace(/^Invalid Record Length: /, 'wrong number of fields: ')} (the header has ${width})`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    default:
      return `cannot parse this record: ${err.message}`;
  }
}
