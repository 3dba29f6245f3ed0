import { AtomicPrivateFile } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';

/**
 * A report of rows for people (UTF-8 with a BOM, every cell spreadsheet-safe),
 * written whole or not at all: dropped-values.csv, review.csv.
 */
export class CsvReport {
  private readonly file: AtomicPrivateFile;

  constructor(path: string, header: readonly string[], keepEdits?: (aside: string) => void) {
    this.file = new AtomicPrivateFile(path, keepEdits);
    this.file.stream.write(UTF8_BOM);
    this.write(header);
  }

  protected write(row: readonly string[]): void {
    this.file.stream.write(safeCsvRow(row));
  }

  pace(): Promise<void> {
    return this.file.pace();
  }

  commit(): Promise<void> {
    return this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }
}
