import type { Problem } from '../mapping/problem.js';
import { CsvReport } from './csv-report.js';

/**
 * dropped-values.csv: every value left out of a record that was imported (a bad
 * secondary email, a 1-800-FLOWERS phone, an extension), with where it was and
 * why. Nothing is changed in silence: this is the list to review.
 */
export class DroppedValuesReport extends CsvReport {
  constructor(path: string, delimiter?: string) {
    super(path, ['line', 'externalId', 'column', 'value', 'code', 'why'], delimiter !== undefined ? { delimiter } : {});
  }

  add(externalId: string, dropped: readonly Problem[]): void {
    for (const d of dropped) this.write([String(d.line), externalId, d.column ?? '', d.value ?? '', d.code, d.message]);
  }
}
