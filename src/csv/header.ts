import type { ColumnUse } from '../config/resolved.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/nearest.js';

/** Columns this program adds to failures.csv; ignored when that file is read back. Their presence marks a failure report. */
export const ERROR_COLUMNS = ['_error_line', '_error_code', '_error_message', '_error_raw'] as const;
/** Where a failed row first came from (the original export and its line), carried through any number of reruns. */
export const SOURCE_COLUMNS = ['_source_file', '_source_line'] as const;
/**
 * Whether a header is one of this program's failure reports: it has every
 * `_error_*` column. Given the header's cells, or its line before it is
 * parsed (a report's header is read from line 1 whatever csv.headerLine says).
 */
export function isFailureReportHeader(header: string | readonly string[]): boolean {
  return typeof header === 'string'
    ? ERROR_COLUMNS.every((c) => header.includes(c))
    : ERROR_COLUMNS.every((c) => header.some((h) => h.trim() === c));
}

export const isErrorColumn = (name: string): boolean =>
  (ERROR_COLUMNS as readonly string[]).includes(name) || (SOURCE_COLUMNS as readonly string[]).includes(name);

export interface HeaderIndex {
  /** The input's own columns, in order, without the `_error_*` ones. */
  readonly columns: readonly string[];
  /** Field position of each input column. */
  readonly positionOf: ReadonlyMap<string, number>;
  /** Every field of the input's own, duplicate-named and blank-named ones too, as the header has them: what failures.csv keeps. */
  readonly own: readonly { readonly name: string; readonly position: number }[];
  /** In a failure report being rerun: the positions of its `_source_file` and `_source_line` columns. */
  readonly source?: { readonly file: number; readonly line: number };
  /** In a failure report being rerun: the position of its `_error_code` column (the codes each row failed with). */
  readonly errorCodes?: number;
}

/**
 * Checks, before the first record, that every column the config names exists
 * once in the header. All problems are listed together with the header's
 * columns and the nearest match, so one edit fixes the config.
 */
export function indexHeader(header: readonly string[], uses: readonly ColumnUse[], file: string): HeaderIndex {
  const positions = new Map<string, number[]>();
  const own: { name: string; position: number }[] = [];
  header.forEach((name, i) => {
    if (isErrorColumn(name)) return;
    positions.set(name, [...(positions.get(name) ?? []), i]);
    own.push({ name, position: i });
  });
  const columns = [...positions.keys()];
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const { column, configPath } of uses) {
    if (reported.has(`${column}\0${configPath}`)) continue;
    reported.add(`${column}\0${configPath}`);
    const at = positions.get(column);
    if (at === undefined) {
      problems.push(
        `  ${configPath}: column ${JSON.stringify(column)} is not in the header${didYouMean(column, columns)}`,
      );
    } else if (at.length > 1) {
      problems.push(
        `  ${configPath}: column ${JSON.stringify(column)} appears ${at.length} times in the header (fields ${at.map((i) => i + 1).join(', ')}); rename one so the mapping is unambiguous`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UsageError(
      'CSV_HEADER_MISMATCH',
      `${file}:1: the header does not fit the config:\n${problems.join('\n')}\n  the header's columns: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      {
        hint: 'spell each column in the config as the header does (the config paths above say where); an export with other columns needs a config of its own (init writes one)',
      },
    );
  }
  const positionOf = new Map<string, number>();
  for (const [name, at] of positions) positionOf.set(name, at[0]!);
  const [sourceFile, sourceLine] = SOURCE_COLUMNS.map((c) => header.indexOf(c));
  const source = sourceFile! >= 0 && sourceLine! >= 0 ? { file: sourceFile!, line: sourceLine! } : undefined;
  const errorCodes = header.indexOf('_error_code');
  return { columns, positionOf, own, ...(source && { source }), ...(errorCodes >= 0 && { errorCodes }) };
}
