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
 * Each column's name, made distinct: a name the header gives several columns
 * (Salesforce's reports call an account's and a contact's phone both "Phone")
 * becomes "Phone (1)", "Phone (2)" in their order, unless the header has a
 * column literally named so. What a config names such a column by.
 */
export function distinctColumnNames(header: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const name of header) count.set(name, (count.get(name) ?? 0) + 1);
  const literal = new Set(header);
  const nth = new Map<string, number>();
  return header.map((name) => {
    if (count.get(name)! < 2 || name.trim() === '') return name;
    const n = (nth.get(name) ?? 0) + 1;
    nth.set(name, n);
    const alias = `${name} (${n})`;
    return literal.has(alias) ? name : alias;
  });
}

/**
 * Checks, before the first record, that every column the config names exists
 * once in the header (a repeated name by its place: "Phone (2)"). All
 * problems are listed together with the header's columns and the nearest
 * match, so one edit fixes the config.
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
  /** "Phone (2)": the second column named "Phone", when the header repeats it. */
  const aliases = new Map<string, number>();
  distinctColumnNames(header).forEach((alias, i) => {
    if (alias !== header[i] && !isErrorColumn(header[i]!)) aliases.set(alias, i);
  });
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const { column, configPath } of uses) {
    if (reported.has(`${column}\0${configPath}`)) continue;
    reported.add(`${column}\0${configPath}`);
    const alias = aliases.get(column);
    const at = alias !== undefined ? [alias] : positions.get(column);
    if (at === undefined) {
      problems.push(
        `  ${configPath}: column ${JSON.stringify(column)} is not in the header${didYouMean(column, columns)}`,
      );
    } else if (at.length > 1) {
      problems.push(
        `  ${configPath}: column ${JSON.stringify(column)} appears ${at.length} times in the header (fields ${at.map((i) => i + 1).join(', ')}): name the one you mean by its place, ${at.map((_, n) => JSON.stringify(`${column} (${n + 1})`)).join(' or ')}`,
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
  for (const [alias, at] of aliases) positionOf.set(alias, at);
  const [sourceFile, sourceLine] = SOURCE_COLUMNS.map((c) => header.indexOf(c));
  const source = sourceFile! >= 0 && sourceLine! >= 0 ? { file: sourceFile!, line: sourceLine! } : undefined;
  const errorCodes = header.indexOf('_error_code');
  return { columns, positionOf, own, ...(source && { source }), ...(errorCodes >= 0 && { errorCodes }) };
}
