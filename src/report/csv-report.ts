import { AtomicPrivateFile } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';

/**
 * A report of rows for people (UTF-8 with a BOM, every cell spreadsheet-safe),
 * written whole or not at all: dropped-values.csv, review.csv.
 */
export class CsvReport {
  private readonly file: AtomicPrivateFile;
  /** Rows written after the header. */
  private rows = -1;

  /** `omitWhenEmpty`: a run with no row writes no file (a header alone says nothing) and drops the last run's unedited one. */
  constructor(path: string, header: readonly string[], keepEdits?: (aside: string) => void, private readonly omitWhenEmpty = false) {
    this.file = new AtomicPrivateFile(path, keepEdits);
    this.file.stream.write(UTF8_BOM);
    this.write(header);
  }

  protected write(row: readonly string[]): void {
    this.rows++;
    this.file.stream.write(safeCsvRow(row));
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
