import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { changedSinceOpen } from './changed-since-open.js';
import { readInputHead } from './input-file.js';
import { parse as parseSync } from 'csv-parse/sync';
import { UsageError } from '../errors.js';
import { CR_IN_CELL, DecodeToLf, keepCellLineEnds, sniffBom } from '../csv/decode.js';
import { detectDelimiter } from '../csv/detect-delimiter.js';
import { FooterBlock } from './footer-block.js';
import { oneByOne, type InputTable, type TableItem } from './table.js';
import { notARecord } from './not-a-record.js';
import { parseRecords, type ParsedRecord } from '../csv/parse-records.js';
import { notCsv, utf16WithoutBom } from './sniff-format.js';
import { isFailureReportHeader } from '../csv/header.js';
import { restoreCell } from '../csv/spreadsheet-safe.js';
import { decodeEscapedBytes } from '../csv/escaped-bytes.js';

export interface CsvOptions {
  readonly encoding: string;
  readonly delimiter?: string | undefined;
  /** The physical line the header is on (1 unless notes come first). */
  readonly headerLine?: number;
}

/** Newlines in `text`, counting no further than `max`. */
function countNewlines(text: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && n < max; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** `text` without its first `count` lines. */
function dropLines(text: string, count: number): string {
  let at = 0;
  for (let n = 0; n < count; n++) {
    const end = text.indexOf('\n', at);
    if (end < 0) return '';
    at = end + 1;
  }
  return text.slice(at);
}

/**
 * Streams a CSV file: decoding, delimiter detection, the header, then records
 * with their physical line numbers. Memory is bounded by one chunk's records
 * and one record of at most 1 MiB (parse-records.ts caps it, even after a
 * stray quote) whatever the file's size; the consumer's pace drives the reading.
 */
export async function openCsv(file: string, options: CsvOptions): Promise<InputTable> {
  const { head, size, opened } = await readHead(file);
  const bom = sniffBom(head);
  const utf16 = bom === undefined && /^utf-?8$/i.test(options.encoding) ? utf16WithoutBom(head) : undefined;
  if (utf16 !== undefined) {
    throw new UsageError(
      'INPUT_UTF16',
      `${file}: found UTF-16 text without a byte order mark (a zero byte in every other byte), read as csv.encoding "${options.encoding}"`,
      { hint: `set "csv": { "encoding": "${utf16}" } in the config, or save the file as CSV UTF-8` },
    );
  }
  const encoding = bom?.encoding ?? options.encoding;
  // Read 64 KB at a time (each read is a round trip to the thread pool); the decoder hands the text on in pieces of 4 KB.
  const bytes = createReadStream(file);
  const decoded = bytes.pipe(new DecodeToLf(encoding));
  bytes.on('error', (err) => decoded.destroy(err));
  const chunks = decoded[Symbol.asyncIterator]() as AsyncIterator<string>;

  const { prefix, headerAt, done } = await skipToHeader(chunks, options.headerLine ?? 1);
  const headerLine = prefix.split('\n', 1)[0] ?? '';
  const delimiter = options.delimiter ?? detectDelimiter(headerLine);

  // The text handed to the parser so far: what the estimate of the records is
  // measured against (the file's bytes read are ahead of it by what the streams buffer).
  let charsParsed = 0;
  const text = (async function* () {
    try {
      if (prefix) {
        charsParsed += prefix.length;
        yield prefix;
      }
      if (done) return;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        charsParsed += next.value.length;
        yield next.value;
      }
    } finally {
      // Reached when reading ends early too (a consumer that stops, an error).
      bytes.destroy();
      decoded.destroy();
    }
  })();
  const outputs = parseRecords(text, delimiter, headerAt);
  const { header: headerOutput, rest } = await headerFirst(outputs, file, headerAt);
  // A failure report of this program: its cells were made spreadsheet-safe when written, and are read back as they were.
  // Its bytes that were not valid in the original input are read in the config's encoding (escaped-bytes.ts).
  const isReport = isFailureReportHeader(headerOutput);
  const restore = isReport ? (cell: string) => decodeEscapedBytes(restoreCell(cell), options.encoding) : undefined;
  const header = headerOutput.map((h) => (restore ? restore(h) : h).trim());
  if (options.delimiter !== undefined)
    refuseOtherSeparator(`${file}:${headerAt}`, header, headerLine, options.delimiter);
  const sofar = { records: 0, bytes: 0 };
  const batches = itemBatches(rest, outputs, { delimiter, header, restore }, (n) => {
    sofar.records += n;
    sofar.bytes = decoded.bytesFor(charsParsed);
  });
  const estimatedRecords = () => (sofar.bytes > 0 ? Math.round((sofar.records * size) / sofar.bytes) : undefined);
  return {
    file,
    writeBack: { format: 'csv', encoding, delimiter },
    header,
    batches,
    items: oneByOne(batches),
    estimatedRecords,
    changedSinceOpen: () => changedSinceOpen(file, opened),
  };
}

/**
 * A config that names the delimiter, and a file whose header is one field
 * holding another: the file was saved with another separator (a spreadsheet
 * app uses its region's: ";" in much of Europe), most often a failures.csv
 * the person fixed. Said as such, not as every column missing.
 */
function refuseOtherSeparator(where: string, header: readonly string[], headerLine: string, configured: string): void {
  const found = detectDelimiter(headerLine);
  if (header.length !== 1 || found === configured || !headerLine.includes(found)) return;
  throw new UsageError(
    'CSV_DELIMITER_MISMATCH',
    `${where}: the header is one field when split by csv.delimiter ${JSON.stringify(configured)}, and its fields are separated by ${JSON.stringify(found)}: ${JSON.stringify(headerLine.slice(0, 80))}`,
    {
      hint: `remove "delimiter" from "csv" in the config: each file's separator is then found on its header line, so this file and the export are both read (a spreadsheet app saves CSV with its region's separator); or set it to ${JSON.stringify(found)} for this file`,
    },
  );
}

/**
 * Reads text up to the end of the header line, so the delimiter is detected
 * before parsing; lines of notes above the header (csv.headerLine) are stepped
 * over, never parsed. Not csv-parse's `from_line`, which parses the lines
 * before it: a stray quote in the notes would take the header into a cell.
 * (Nor its `bom`: decode.ts takes the byte order mark off before the text,
 * for UTF-16 as for UTF-8.) `done`: the text ended within it.
 */
async function skipToHeader(
  chunks: AsyncIterator<string>,
  headerLine: number,
): Promise<{ prefix: string; headerAt: number; done: boolean }> {
  let headerAt = headerLine;
  let prefix = '';
  let done = false;
  while (countNewlines(prefix, headerAt) < headerAt && !done) {
    const next = await chunks.next();
    if (next.done) done = true;
    else prefix += next.value;
  }
  // A failure report of this program has its header on line 1, whatever the export it came from had.
  const firstLine = prefix.split('\n', 1)[0] ?? '';
  if (isFailureReportHeader(firstLine)) headerAt = 1;
  return { prefix: dropLines(prefix, headerAt - 1), headerAt, done };
}

/** The header record and the outputs that came with it; an empty file or an unreadable header is the user's to fix. */
async function headerFirst(
  outputs: AsyncGenerator<ParsedRecord[]>,
  file: string,
  headerAt: number,
): Promise<{ header: string[]; rest: ParsedRecord[] }> {
  let first: ParsedRecord[] = [];
  while (first.length === 0) {
    const next = await outputs.next();
    if (next.done) {
      throw headerAt > 1
        ? new UsageError(
            'CSV_EMPTY',
            `${file} has nothing from line ${headerAt} (csv.headerLine) on: expected the header line there`,
            { hint: 'set csv.headerLine to the line the column names are on' },
          )
        : new UsageError('CSV_EMPTY', `${file} is empty: expected a header line naming the columns`, {
            hint: 'export the contacts again, with a header row',
          });
    }
    first = next.value;
  }
  const header = first[0]!;
  if (header.kind === 'skipped') {
    await outputs.return(undefined);
    throw new UsageError(
      'CSV_HEADER_MALFORMED',
      `${file}:${headerAt}: the header line cannot be read: ${header.message}`,
      { hint: 'check that line in a text editor; if the column names are on another line, set csv.headerLine to it' },
    );
  }
  return { header: header.fields, rest: first.slice(1) };
}

async function readHead(file: string): Promise<{ head: Buffer; size: number; opened: Stats }> {
  const { head, stats } = await readInputHead(file, 512);
  const other = notCsv(head);
  if (other !== undefined)
    throw new UsageError('INPUT_NOT_CSV', `${file} is ${other.format}, not a file this tool reads`, {
      hint: other.next,
    });
  return { head, size: stats.size, opened: stats };
}

/** How a line's fields become an item: the file's delimiter, its header, and how a report's cells are read back. */
interface ItemReading {
  readonly delimiter: string;
  readonly header: readonly string[];
  readonly restore: ((cell: string) => string) | undefined;
}

async function* itemBatches(
  first: ParsedRecord[],
  rest: AsyncGenerator<ParsedRecord[]>,
  reading: ItemReading,
  onBatch: (records: number) => void,
): AsyncGenerator<TableItem[]> {
  // A report's trailing block is held until the file shows it is one (footer-block.ts).
  const footer = new FooterBlock();
  try {
    for (let outputs: ParsedRecord[] | undefined = first; outputs !== undefined;) {
      const items = toItems(outputs, reading).flatMap((i) => footer.offer(i));
      onBatch(items.length);
      if (items.length > 0) yield items;
      const next = await rest.next();
      outputs = next.done ? undefined : next.value;
    }
    const last = footer.end();
    onBatch(last.length);
    if (last.length > 0) yield last;
  } finally {
    await rest.return(undefined);
  }
}

function toItems(outputs: readonly ParsedRecord[], { delimiter, header, restore }: ItemReading): TableItem[] {
  const items: TableItem[] = [];
  for (const output of outputs) {
    if (output.kind === 'fields') {
      const { line, fields } = output;
      // A CRLF inside a quoted cell came through the parser as a marker and an LF (decode.ts): written back as it was.
      const cells = fields.some((f) => f.includes(CR_IN_CELL)) ? fields.map(keepCellLineEnds) : fields;
      const why = notARecord(cells, header);
      if (why !== undefined) items.push({ kind: 'ignored', line, text: cells.join(delimiter), why, fields: cells });
      else items.push({ kind: 'record', line, fields: restore ? cells.map(restore) : cells });
      continue;
    }
    const { line, endLine, raw, singleLine, fields, message } = output;
    // A footer line has fewer fields than the header: the parser skips it, and it is not a record.
    const single = singleLine === undefined ? undefined : splitQuoted(singleLine, delimiter);
    const why = single && notARecord(single, header);
    if (single && why) items.push({ kind: 'ignored', line, text: singleLine!, why, fields: single });
    else items.push({ kind: 'malformed', line, endLine, raw, fields: restore ? fields.map(restore) : fields, message });
  }
  return items;
}

/** One line's fields, quotes honoured; undefined when it does not parse alone. */
function splitQuoted(line: string, delimiter: string): string[] | undefined {
  try {
    return (parseSync(line, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    return undefined;
  }
}
