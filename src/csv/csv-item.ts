/**
 * What a table reader yields, line by line: a record, a record that could not
 * be read, or a line that is not a record. The CSV, workbook and vCard readers
 * all yield these (input/opened-table.ts).
 */
export interface CsvRecord {
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

/**
 * A line that is not a record: a row with every cell empty (spreadsheets save
 * them), or a report's footer ("Confidential Information - Do Not Distribute",
 * "Copyright (c) … salesforce.com", "Grand Totals (6 records)"). Counted and
 * reported as ignored, never failed.
 */
export interface CsvIgnored {
  readonly kind: 'ignored';
  readonly line: number;
  readonly text: string;
  readonly why: string;
  readonly fields: readonly string[];
}

export type CsvItem = CsvRecord | CsvMalformed | CsvIgnored;
