import { stringify } from 'csv-stringify/sync';

/**
 * OWASP CSV injection: a cell that starts with = + - @, a tab or a carriage
 * return can run as a formula when a person opens the report in a spreadsheet.
 * Reports meant for people get a leading apostrophe on such cells (the
 * spreadsheet shows the text, `+4915…` stays a phone number, not a sum).
 *
 * failures.csv is also the input of a rerun, which must send exactly what was
 * read: `restoreCell` undoes `neutraliseCell` exactly. The rule covers cells
 * that already start with apostrophes before a trigger, so every value
 * survives the round trip: neutralise adds one apostrophe to any cell matching
 * /^'*[trigger]/, restore removes one from any cell matching /^'+[trigger]/.
 */
const NEEDS_QUOTE = /^'*[=+\-@\t\r]/;
const QUOTED = /^'+[=+\-@\t\r]/;

export const neutraliseCell = (cell: string): string => (NEEDS_QUOTE.test(cell) ? `'${cell}` : cell);

export const restoreCell = (cell: string): string => (QUOTED.test(cell) ? cell.slice(1) : cell);

/** Excel reads a CSV as UTF-8 only when it starts with a byte order mark. */
export const UTF8_BOM = '\uFEFF';

/** One report row as CSV text (LF-terminated), every cell spreadsheet-safe. */
export const safeCsvRow = (cells: readonly string[], delimiter = ','): string =>
  stringify([cells.map(neutraliseCell)], { delimiter, record_delimiter: '\n' });

/** Report rows as CSV text (LF-terminated), every cell spreadsheet-safe: one call for many rows. */
export const safeCsvRows = (rows: readonly (readonly string[])[], delimiter = ','): string =>
  stringify(
    rows.map((cells) => cells.map(neutraliseCell)),
    { delimiter, record_delimiter: '\n' },
  );
