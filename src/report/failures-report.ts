import { resolve } from 'node:path';
import { ERROR_COLUMNS, SOURCE_COLUMNS, type HeaderIndex } from '../csv/header.js';
import { describeProblem, type Problem } from '../mapping/problem.js';
import { writeFailedCards } from './failed-cards.js';
import { AtomicPrivateFile } from '../state/private-files.js';
import { encodeWithEscapedBytes } from '../csv/escaped-bytes.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';

/**
 * failures.csv: the input's own columns with their values exactly as read (so
 * the file is valid input for a rerun with the same config), then where the
 * row first came from (`_source_file`, `_source_line`: kept through reruns),
 * then the `_error_*` columns, which a rerun ignores and writes afresh. UTF-8
 * with a byte order mark whatever the input's encoding: Excel opens it right,
 * and a rerun with the same config reads it as UTF-8 (the mark wins over
 * csv.encoding), so every character comes back as it was.
 */
export class FailuresReport {
  private readonly file: AtomicPrivateFile;
  private readonly positions: number[];
  private readonly inputFile: string;

  /** A vCard input: each failed card's reasons by its line, for failures.vcf (failed-cards.ts). */
  private readonly cards: Map<number, string[]> | undefined;

  constructor(
    path: string,
    private readonly header: HeaderIndex,
    private readonly delimiter: string,
    inputFile: string,
    /** Where failures.vcf goes, when the input is a vCard file. */
    private readonly failedCardsPath?: string,
    /** A person edits these files: one edited since the tool wrote it is moved aside, not written over (AtomicPrivateFile). */
    private readonly keepEdits?: (aside: string) => void,
  ) {
    this.cards = failedCardsPath === undefined ? undefined : new Map();
    this.file = new AtomicPrivateFile(path, keepEdits);
    this.inputFile = resolve(inputFile);
    this.positions = header.own.map((c) => c.position);
    this.file.stream.write(UTF8_BOM);
    this.write([...header.own.map((c) => c.name), ...SOURCE_COLUMNS, ...ERROR_COLUMNS]);
  }

  add(fields: readonly string[], line: number, problems: readonly Problem[], raw = ''): void {
    const source = this.header.source;
    const origin = source ? [fields[source.file] ?? '', fields[source.line] ?? ''] : [this.inputFile, String(line)];
    const own = [...this.positions.map((i) => fields[i] ?? ''), ...origin];
    const codes = [...new Set(problems.map((p) => p.code))].join(' ');
    const described = problems.map(describeProblem);
    this.write([...own, String(line), codes, described.join('; '), raw]);
    this.cards?.set(line, [...(this.cards.get(line) ?? []), ...described]);
  }

  /** See AtomicPrivateFile.pace. */
  pace(): Promise<void> {
    return this.file.pace();
  }

  /** Every cell spreadsheet-safe; a rerun reads them back exactly (input/read-csv.ts restores them). */
  private write(row: readonly string[]): void {
    // Bytes the input had that were not valid in its declared encoding are written back as they were.
    this.file.stream.write(encodeWithEscapedBytes(safeCsvRow(row, this.delimiter)));
  }

  /** The run failed: no half report replaces the last whole one. */
  discard(): void {
    this.file.discard();
  }

  async commit(): Promise<void> {
    await this.file.commit();
    if (this.cards !== undefined && this.failedCardsPath !== undefined)
      await writeFailedCards(this.failedCardsPath, this.inputFile, this.cards, this.keepEdits);
  }
}
