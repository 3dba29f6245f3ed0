import { stringify } from 'csv-stringify/sync';
import { ERROR_COLUMNS, type HeaderIndex } from '../csv/header.js';
import { describeProblem, type Problem } from '../mapping/problem.js';
import { AtomicPrivateFile } from './private-files.js';
import { neutraliseCell } from './spreadsheet-safe.js';

/**
 * failures.csv: the input's own columns with their values exactly as read (so
 * the file is valid input for a rerun with the same config), then the
 * `_error_*` columns, which a rerun ignores and writes afresh.
 */
export class FailuresReport {
  private readonly file: AtomicPrivateFile;
  private readonly positions: number[];

  constructor(
    path: string,
    header: HeaderIndex,
    private readonly delimiter: string,
  ) {
    this.file = new AtomicPrivateFile(path);
    this.positions = header.own.map((c) => c.position);
    this.write([...header.own.map((c) => c.name), ...ERROR_COLUMNS]);
  }

  add(fields: readonly string[], line: number, problems: readonly Problem[], raw = ''): void {
    const own = this.positions.map((i) => fields[i] ?? '');
    const codes = [...new Set(problems.map((p) => p.code))].join(' ');
    const message = problems.map(describeProblem).join('; ');
    this.write([...own, String(line), codes, message, raw]);
  }

  /** See AtomicPrivateFile.pace. */
  pace(): Promise<void> {
    return this.file.pace();
  }

  /** Every cell spreadsheet-safe; a rerun reads them back exactly (csv/read-csv.ts restores them). */
  private write(row: readonly string[]): void {
    this.file.stream.write(stringify([row.map(neutraliseCell)], { delimiter: this.delimiter, record_delimiter: '\n' }));
  }

  /** The run failed: no half report replaces the last whole one. */
  discard(): void {
    this.file.discard();
  }

  commit(): Promise<void> {
    return this.file.commit();
  }
}
