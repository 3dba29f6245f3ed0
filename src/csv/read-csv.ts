import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { parse, type Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import { DecodeToLf, sniffBom } from './decode.js';
import { detectDelimiter } from './detect-delimiter.js';
import { RecordLocator } from './record-locator.js';
import { ERROR_COLUMNS } from './header.js';
import { restoreCell } from '../report/spreadsheet-safe.js';

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
  /**
   * The records in file order, a parsed chunk (a few hundred records) at a
   * time: one await per chunk rather than per record, which halves the cost of
   * reading. Consume either this or `items`, not both.
   */
  readonly batches: AsyncIterable<readonly CsvItem[]>;
  /** The same records one at a time, for callers that read only a few. */
  readonly items: AsyncIterable<CsvItem>;
  /** The number of records in the file, estimated from those parsed so far and the bytes they took (exact once all are parsed); undefined before the first. */
  estimatedRecords(): number | undefined;
}

export interface CsvOptions {
  readonly encoding: string;
  readonly delimiter?: string;
}

/**
 * Streams a CSV file: decoding, delimiter detection, the header, then records
 * with their physical line numbers. Memory is bounded by one chunk's records
 * whatever the file's size; the consumer's pace drives the reading.
 */
export async function openCsv(file: string, options: CsvOptions): Promise<OpenedCsv> {
  const { head, size } = await readHead(file);
  const bom = sniffBom(head);
  const encoding = bom?.encoding ?? options.encoding;
  // A chunk's records stay alive until the consumer is through them: 64 KB
  // chunks (a few hundred records) peaked 9 MB lower than 256 KB over 1M
  // records, at the same speed.
  const bytes = createReadStream(file, { highWaterMark: 64 * 1024 });
  const decoded = bytes.pipe(new DecodeToLf(encoding));
  bytes.on('error', (err) => decoded.destroy(err));
  const chunks = decoded[Symbol.asyncIterator]() as AsyncIterator<string>;

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

  const text = (async function* () {
    try {
      if (prefix) yield prefix;
      if (done) return;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    } finally {
      // Reached when reading ends early too (a consumer that stops, an error).
      bytes.destroy();
      decoded.destroy();
    }
  })();
  const locator = new RecordLocator();
  const outputs = parsed(makeParser(delimiter), text, locator);
  let first: ParserOutput[] = [];
  while (first.length === 0) {
    const next = await outputs.next();
    if (next.done) throw new UsageError('CSV_EMPTY', `${file} is empty: expected a header line naming the columns`);
    first = next.value;
  }
  const headerOutput = first[0]!;
  if (!Array.isArray(headerOutput)) {
    await outputs.return(undefined);
    throw new UsageError('CSV_HEADER_MALFORMED', `${file}:1: the header line cannot be read: ${headerOutput.skipped.message}`);
  }
  // A failure report of this program: its cells were made spreadsheet-safe when written, and are read back as they were.
  const restore = ERROR_COLUMNS.every((c) => headerOutput.some((h) => h.trim() === c));
  const header = headerOutput.map((h) => (restore ? restoreCell(h) : h).trim());
  locator.record(headerOutput);
  const sofar = { records: 0, bytes: 0 };
  const batches = itemBatches(first.slice(1), outputs, locator, header.length, delimiter, restore, (n) => {
    sofar.records += n;
    sofar.bytes = bytes.bytesRead;
  });
  const estimatedRecords = () => (sofar.bytes > 0 ? Math.round((sofar.records * size) / sofar.bytes) : undefined);
  return { file, encoding, delimiter, header, batches, items: oneByOne(batches), estimatedRecords };
}

async function readHead(file: string): Promise<{ head: Buffer; size: number }> {
  let st;
  try {
    // Looked at before it is opened: opening a pipe waits for a writer that may never come.
    st = await stat(file);
  } catch (err) {
    throw new UsageError('INPUT_UNREADABLE', `cannot read input ${file}: ${(err as Error).message}`);
  }
  if (!st.isFile()) {
    // The input is read again on every resume: a pipe or a device cannot be.
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a pipe' : st.isCharacterDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new UsageError('INPUT_NOT_A_FILE', `--input ${file}: found ${what}: expected a CSV file. The input is read again on every resume, so save the data to a file first and name that file.`);
  }
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new UsageError('INPUT_UNREADABLE', `cannot read input ${file}: ${(err as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return { head: buf.subarray(0, bytesRead), size: st.size };
  } finally {
    await handle.close();
  }
}

type ParserOutput = string[] | { skipped: Error & { code?: string; lines?: number } };

function makeParser(delimiter: string): Parser {
  const parser: Parser = parse({
    delimiter,
    record_delimiter: '\n',
    skip_empty_lines: true,
    skip_records_with_error: true,
    // A stray quote inside an unquoted cell (5'11", O"Brien) is kept as text.
    relax_quotes: true,
    // Pushed into the stream rather than emitted as an event, so a skipped record
    // keeps its place between the records before and after it.
    on_skip: (err) => {
      parser.push({ skipped: err ?? new Error('unknown parse error') });
      return undefined;
    },
  });
  return parser;
}

/**
 * Writes each text chunk to the parser and takes back, synchronously, what it
 * produced. csv-parse transforms a chunk within write(); the records sit in its
 * readable buffer until read, and the write completes once they are read, so
 * the parser holds at most one chunk's records and reading waits for the consumer.
 */
async function* parsed(parser: Parser, text: AsyncIterable<string> | Iterable<string>, locator: RecordLocator): AsyncGenerator<ParserOutput[]> {
  let failure: Error | undefined;
  parser.on('error', (err) => (failure = err));
  const drain = (): ParserOutput[] => {
    if (failure) throw failure;
    const out: ParserOutput[] = [];
    for (let next = parser.read() as ParserOutput | null; next !== null; next = parser.read() as ParserOutput | null) out.push(next);
    return out;
  };
  try {
    for await (const chunk of text) {
      locator.append(chunk);
      parser.write(chunk);
      yield drain();
    }
    parser.end();
    // 'finish' follows the parser's flush: the last record (no line end after it) is in the buffer.
    await once(parser, 'finish');
    yield drain();
  } finally {
    parser.destroy();
  }
}

async function* itemBatches(
  first: ParserOutput[],
  rest: AsyncGenerator<ParserOutput[]>,
  locator: RecordLocator,
  width: number,
  delimiter: string,
  restore: boolean,
  onBatch: (records: number) => void,
): AsyncGenerator<CsvItem[]> {
  try {
    for (let outputs: ParserOutput[] | undefined = first; outputs !== undefined; ) {
      const items = await toItems(outputs, locator, width, delimiter, restore);
      onBatch(items.length);
      if (items.length > 0) yield items;
      const next = await rest.next();
      outputs = next.done ? undefined : next.value;
    }
  } finally {
    await rest.return(undefined);
  }
}

async function* oneByOne(batches: AsyncIterable<readonly CsvItem[]>): AsyncGenerator<CsvItem> {
  for await (const batch of batches) yield* batch;
}

async function toItems(outputs: readonly ParserOutput[], locator: RecordLocator, width: number, delimiter: string, restore: boolean): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for (const output of outputs) {
    if (Array.isArray(output)) {
      items.push({ kind: 'record', line: locator.record(output), fields: restore ? output.map(restoreCell) : output });
    } else {
      const { line, raw } = locator.skipped(output.skipped.lines);
      const recovered = await recoverSkipped(raw, line, output.skipped, width, delimiter);
      items.push(...(restore ? recovered.map((i) => (i.kind === 'record' ? { ...i, fields: i.fields.map(restoreCell) } : i)) : recovered));
    }
  }
  return items;
}

/**
 * A skipped record that spans several lines is usually one line with a stray
 * opening quote that swallowed the lines after it. When that first line, read
 * without quoting, has the header's number of fields and an odd number of
 * quotes, and the next line does not close a quote, it alone is reported
 * malformed and the lines after it are parsed again as records. Otherwise the
 * whole span is one malformed record (a real multi-line cell with a wrong count).
 */
async function recoverSkipped(raw: string, line: number, err: Error, width: number, delimiter: string): Promise<CsvItem[]> {
  const lines = raw.split('\n');
  const firstFields = splitUnquoted(lines[0] ?? '', delimiter);
  const message = describeParseError(err, width);
  // The line after it must not close a quote (an odd count of quotes there
  // means it continues a real multi-line cell).
  const quotes = (l: string | undefined) => (l ?? '').split('"').length - 1;
  if (lines.length > 1 && firstFields.length === width && quotes(lines[0]) % 2 === 1 && quotes(lines[1]) % 2 === 0) {
    const malformed: CsvItem = { kind: 'malformed', line, endLine: line, raw: lines[0]!, fields: firstFields, message: `${message}; an unmatched quote on this line` };
    return [malformed, ...(await reparse(lines.slice(1).join('\n') + '\n', line + 1, width, delimiter))];
  }
  return [{ kind: 'malformed', line, endLine: line + lines.length - 1, raw, fields: firstFields, message }];
}

async function reparse(text: string, firstLine: number, width: number, delimiter: string): Promise<CsvItem[]> {
  // A synthetic header sets the expected number of fields; it takes the line before firstLine.
  const locator = new RecordLocator(firstLine - 1);
  const items: CsvItem[] = [];
  const syntheticHeader = Array.from({ length: width }, (_, i) => `c${i}`).join(delimiter);
  for await (const outputs of parsed(makeParser(delimiter), [`${syntheticHeader}\n${text}`], locator)) {
    items.push(...(await toItems(outputs, locator, width, delimiter, false)));
  }
  return items.slice(1);
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
