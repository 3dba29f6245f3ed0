import type { Problem } from '../mapping/problem.js';
import { AtomicPrivateFile } from './private-files.js';
import { safeCsvRow, UTF8_BOM } from './spreadsheet-safe.js';

/**
 * dropped-values.csv: every value left out of a record that was imported (a bad
 * secondary email, a 1-800-FLOWERS phone, an extension), with where it was and
 * why. Nothing is changed in silence: this is the list to review.
 */
export class DroppedValuesReport {
  private readonly file: AtomicPrivateFile;

  constructor(path: string) {
    this.file = new AtomicPrivateFile(path);
    this.file.stream.write(UTF8_BOM);
    this.write(['line', 'externalId', 'column', 'value', 'code', 'why']);
  }

  add(externalId: string, dropped: readonly Problem[]): void {
    for (const d of dropped) this.write([String(d.line), externalId, d.column ?? '', d.value ?? '', d.code, d.message]);
  }

  private write(row: readonly string[]): void {
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
