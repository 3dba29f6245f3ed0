/**
 * The table every input reader returns: the CSV reader (read-csv.ts), the
 * workbook's and the vCard file's (read-xlsx.ts, read-vcard.ts, through
 * opened-table.ts). The job reads records, malformed records and ignored lines
 * from it, whatever the format, and writes its rows back into reports the way
 * `writeBack` says.
 */

/** A record: its fields in the header's order, and the line (a workbook's row, a card's first line) it starts on. */
export interface TableRecord {
  readonly kind: 'record';
  /** Physical line (1-based) where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
  /** A workbook's record: the positions of the cells stored as numbers (a phone number there has lost its + or leading 0). */
  readonly numberCells?: readonly number[];
  /** A workbook's record: the positions of formula cells the workbook keeps no computed value for (read as empty). */
  readonly formulaCells?: readonly number[];
}

/** A record the parser could not read: reported with its lines, never dropped. */
export interface MalformedRecord {
  readonly kind: 'malformed';
  readonly line: number;
  readonly endLine: number;
  /** The record's text as it stands in the file. */
  readonly raw: string;
  /** Best-effort fields (the line split at the delimiter, ignoring quotes), for the failure report. */
  readonly fields: readonly string[];
  readonly message: string;
}

/**
 * A line that is not a record: a row with every cell empty (spreadsheets save
 * them), or a report's footer ("Confidential Information - Do Not Distribute",
 * "Copyright (c) … salesforce.com", "Grand Totals (6 records)"). Counted and
 * reported as ignored, never failed.
 */
export interface IgnoredLine {
  readonly kind: 'ignored';
  readonly line: number;
  readonly text: string;
  readonly why: string;
  readonly fields: readonly string[];
}

export type TableItem = TableRecord | MalformedRecord | IgnoredLine;

export interface InputTable {
  readonly file: string;
  /** How its rows are written back into reports. */
  readonly writeBack: WriteBack;
  readonly header: readonly string[];
  /**
   * The records in file order, a parsed chunk (a few hundred records) at a
   * time: one await per chunk rather than per record, which halves the cost of
   * reading. Consume either this or `items`, not both.
   */
  readonly batches: AsyncIterable<readonly TableItem[]>;
  /** The same records one at a time, for callers that read only a few. */
  readonly items: AsyncIterable<TableItem>;
  /** The number of records in the file, estimated from those parsed so far and the bytes they took (exact once all are parsed); undefined before the first. */
  estimatedRecords(): number | undefined;
  /**
   * Why the file is not the one that was opened any more (rewritten, cut,
   * replaced while it was read: its size, time or inode changed), or
   * undefined when it is the same: a run that read a file changing under it
   * has not read the whole of anything.
   */
  changedSinceOpen(): Promise<string | undefined>;
}

/**
 * How a table's rows go back into reports (failures.csv and the rest): a
 * CSV's in its own encoding and delimiter, so a rerun reads them as it read
 * the input; a workbook's as UTF-8 CSV with commas; a vCard file's failed
 * cards as failures.vcf, its other reports as UTF-8 CSV with commas.
 */
export type WriteBack =
  | { readonly format: 'csv'; readonly encoding: string; readonly delimiter: string }
  | { readonly format: 'xlsx' | 'vcard' };

/** The delimiter of a table's CSV reports. */
export const reportDelimiter = (writeBack: WriteBack): string =>
  writeBack.format === 'csv' ? writeBack.delimiter : ',';

/** The encoding its text was decoded from (a workbook's and a vCard file's is read as UTF-8). */
export const decodedFrom = (writeBack: WriteBack): string =>
  writeBack.format === 'csv' ? writeBack.encoding : 'utf-8';

export async function* oneByOne(batches: AsyncIterable<readonly TableItem[]>): AsyncGenerator<TableItem> {
  for await (const batch of batches) yield* batch;
}

/**
 * The first `max` rows of a table (records, and malformed records with their
 * best-effort fields: a row is never passed over), the rest not read; the
 * table is closed either way. `max` 0 only closes it.
 */
export async function leadingRows(
  table: InputTable,
  max = Number.POSITIVE_INFINITY,
): Promise<(TableRecord | MalformedRecord)[]> {
  const rows: (TableRecord | MalformedRecord)[] = [];
  for await (const item of table.items) {
    if (rows.length >= max) break;
    if (item.kind !== 'ignored') rows.push(item);
    if (rows.length >= max) break;
  }
  return rows;
}
