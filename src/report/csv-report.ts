import { readTextHead } from '../util/text-head.js';
import { detectDelimiter } from '../csv/detect-delimiter.js';
import { AtomicPrivateFile } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';

/** How a report is written: as the input was (its delimiter, so a `;` file's reports open in German Excel), and what becomes of it. */
export interface CsvReportOptions {
  /** The input's delimiter (a workbook's or vCard's reports use ","). */
  readonly delimiter?: string;
  /** A person edits this file: one edited since the tool wrote it is moved aside, not written over. */
  readonly keepEdits?: (aside: string) => void;
  /** A run with no row writes no file (a header alone says nothing) and drops the last run's unedited one. */
  readonly omitWhenEmpty?: boolean;
}

/**
 * A report of rows for people (UTF-8 with a BOM, as failures.csv, every cell
 * spreadsheet-safe, the input's delimiter), written whole or not at all:
 * dropped-values.csv, review.csv, conflicts.csv, drift.csv.
 */
export class CsvReport {
  private readonly file: AtomicPrivateFile;
  /** Rows written after the header. */
  private rows = -1;

  private readonly delimiter: string;
  private readonly omitWhenEmpty: boolean;

  constructor(path: string, header: readonly string[], options: CsvReportOptions = {}) {
    this.file = new AtomicPrivateFile(path, options.keepEdits);
    this.delimiter = options.delimiter ?? ',';
    this.omitWhenEmpty = options.omitWhenEmpty ?? false;
    this.file.stream.write(UTF8_BOM);
    this.write(header);
  }

  protected write(row: readonly string[]): void {
    this.rows++;
    this.file.stream.write(safeCsvRow(row, this.delimiter));
  }

  pace(): Promise<void> {
    return this.file.pace();
  }

  async commit(): Promise<void> {
    if (this.omitWhenEmpty && this.rows === 0) return this.file.dropWhenEmpty();
    return this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }
}

/**
 * The delimiter a report that grows across runs (created.csv, deleted.csv)
 * was started with, read from its header line as an input's is: its rows stay
 * in one delimiter whatever a later run's input uses. A missing file gives
 * `fallback`.
 */
export function delimiterOfReport(path: string, fallback: string): string {
  let head: string;
  try {
    head = readTextHead(path, 4096);
  } catch {
    return fallback;
  }
  return detectDelimiter(head.replace(/^\uFEFF/, '').split('\n', 1)[0] ?? '');
}
