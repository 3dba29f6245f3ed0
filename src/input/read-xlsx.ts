import { stat } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { UsageError } from '../errors.js';
import { isFailureReportHeader } from '../csv/header.js';
import { restoreCell } from '../csv/spreadsheet-safe.js';
import type { TableItem } from './table.js';
import { notARecord } from './not-a-record.js';
import type { InputTable } from './table.js';
import { FooterBlock } from './footer-block.js';
import { openedTable } from './opened-table.js';
import { SharedStrings } from './shared-strings.js';
import { cellText, type SharedStringLookup } from './xlsx-cell.js';
import { columnLetters } from './xlsx-columns.js';
import { partTail, workbookTooLarge, zipParts } from './zip-bounds.js';

export interface XlsxOptions {
  /** The row the header is on (title rows above it); default 1. */
  readonly headerLine?: number;
  /** The sheet to read, by name or by position (1 = the first); default the first. */
  readonly sheet?: string | number | undefined;
}

type Row = { number: number; values: unknown[] };
type Sheet = AsyncIterable<Row> & { name?: string };

/**
 * The workbook's sheets, in order, once its shared strings are in `strings`.
 * exceljs emits each shared string (its documented 'emit' mode) and hands the
 * sheets over after them (it parks a sheet that comes before the strings in a
 * temp file, as Excel's own files order them), so cells carry an index into
 * the compact table instead of a JavaScript string each. Styles are read for
 * the number formats that make a number cell a date; hyperlinks are left to
 * their cells' text.
 */
async function* sheetsOf(file: string, strings: SharedStrings): AsyncGenerator<Sheet> {
  await checkWhole(file);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'emit',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const events = reader.parse() as AsyncIterator<{
    index?: number;
    text?: unknown;
    eventType?: string;
    value?: unknown;
  }>;
  for (let next = await events.next(); !next.done; next = await events.next()) {
    const event = next.value;
    if (typeof event.index === 'number') strings.add(cellText(event.text).text);
    else if (event.eventType === 'worksheet') yield event.value as Sheet;
  }
}

/**
 * Refuses a workbook whose zip declares more than it is safe to unpack (a
 * bloated shared-strings part took 2.34 GB for one record; a little more passes
 * Node's buffer limit), before exceljs reads a byte of it.
 */
/** Workbooks found whole in this process, by path: their size and time then. */
const wholeChecked = new Map<string, string>();

async function checkWhole(file: string): Promise<void> {
  // A run opens its input again for its passes (matching, identity): the sheets are unpacked to check them once.
  const { size, mtimeMs } = await stat(file);
  const version = `${size}:${mtimeMs}`;
  if (wholeChecked.get(file) === version) return;
  const parts = zipParts(file);
  const tooLarge = parts === undefined ? undefined : workbookTooLarge(parts);
  if (tooLarge !== undefined) {
    throw new UsageError('WORKBOOK_TOO_LARGE', `${file}: the workbook is too large to read safely: ${tooLarge}`, {
      hint: 'save the sheet as CSV UTF-8 in Excel (File > Save As) and import the .csv: it streams whatever its size',
    });
  }
  // A sheet cut short reads as fewer rows, or as an empty first row, with no word: each must end as a sheet ends.
  for (const part of (parts ?? []).filter((p) => /^xl\/worksheets\/[^/]+\.xml$/i.test(p.name))) {
    const tail = await partTail(file, part);
    if (tail === undefined || !/<\/(?:\w+:)?worksheet>\s*$/.test(tail)) {
      throw new UsageError(
        'WORKBOOK_CUT',
        `${file}: its sheet ${part.name} is cut short (it does not end as a sheet ends${tail === undefined ? ': its data cannot be unpacked' : ''}): the workbook was not saved or copied whole, and rows past the cut would be lost`,
        { hint: 'open the workbook in Excel and save it again, or export the sheet as CSV UTF-8, then run again' },
      );
    }
  }
  wholeChecked.set(file, version);
}

/**
 * Streams one sheet of an .xlsx workbook as the records of a table, through
 * exceljs's streaming reader: rows are read as the consumer asks for them, so
 * memory holds the workbook's shared strings (compactly: shared-strings.ts)
 * and one batch of rows whatever the number of rows. The row number is the
 * record's line.
 */
export async function openXlsx(file: string, options: XlsxOptions): Promise<InputTable> {
  const opened = await stat(file);
  const strings = new SharedStrings();
  const shared = (index: number) => strings.get(index);
  const sheets = sheetsOf(file, strings);
  const sheet = await findSheet(file, sheets, options.sheet);
  const rows = (sheet as AsyncIterable<Row>)[Symbol.asyncIterator]();
  const headerLine = options.headerLine ?? 1;
  const headerRow = await rowAt(rows, headerLine, file);
  // Array.from: values is sparse (an empty cell is a hole), and map() skips holes.
  const headerCells = Array.from(headerRow.values, (v) => cellText(v, shared).text.trim());
  // values is 1-based (values[1] is column A); the header ends at its last named column.
  let width = headerCells.length - 1;
  while (width > 0 && headerCells[width] === '') width--;
  if (width === 0)
    throw new UsageError(
      'CSV_EMPTY',
      `${file}: row ${headerLine} of sheet "${sheet.name ?? 1}" is empty: expected the header naming the columns there (csv.headerLine)`,
      { hint: 'set csv.headerLine to the row the column names are on' },
    );
  const header = headerCells.slice(1, width + 1);
  // A failures.csv saved as a workbook: its spreadsheet-safe cells ('+4915…) are read back as they were, as from the CSV.
  const restore = isFailureReportHeader(header) ? restoreCell : undefined;
  const items = (async function* () {
    try {
      // A report's trailing block (Salesforce's .xlsx has it too) is held until the sheet shows it is one.
      const footer = new FooterBlock();
      for (let next = await rows.next(); !next.done; next = await rows.next())
        yield* footer.offer(toItem(next.value, header, shared, restore));
      yield* footer.end();
    } finally {
      await rows.return?.(undefined);
      await sheets.return?.(undefined);
    }
  })();
  // A workbook's rows are not spread evenly through its bytes (shared strings, compression): no estimate.
  return openedTable({ file, format: 'xlsx', opened, header, items, estimatedRecords: () => undefined });
}

async function findSheet(
  file: string,
  sheets: AsyncIterator<unknown>,
  wanted: string | number | undefined,
): Promise<Sheet> {
  const seen: string[] = [];
  try {
    for (let next = await sheets.next(); !next.done; next = await sheets.next()) {
      const sheet = next.value as Sheet;
      const name = sheet.name ?? `sheet ${seen.length + 1}`;
      seen.push(name);
      if (
        wanted === undefined ||
        wanted === seen.length ||
        (typeof wanted === 'string' && wanted.trim().toLowerCase() === name.trim().toLowerCase())
      )
        return sheet;
      // A sheet not read is drained, so the reader moves on to the next one.
      for await (const _row of sheet) void _row;
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      'INPUT_NOT_XLSX',
      `${file} cannot be read as an Excel workbook (.xlsx): ${(err as Error).message}`,
      {
        hint: 'if it is a zip archive, unpack it and use the file inside; otherwise open it in Excel and save it again as .xlsx or as "CSV UTF-8"',
      },
    );
  }
  if (seen.length === 0)
    throw new UsageError(
      'INPUT_NOT_XLSX',
      `${file} cannot be read as an Excel workbook (.xlsx): it is a zip with no worksheet in it`,
      {
        hint: 'if it is a zip archive, unpack it and use the file inside; if it is a workbook, open it in Excel and save it again as .xlsx or as "CSV UTF-8"',
      },
    );
  throw new UsageError(
    'XLSX_SHEET_NOT_FOUND',
    `csv.sheet: found ${JSON.stringify(wanted)}: ${file} has no such sheet; its sheets are ${seen.map((s) => JSON.stringify(s)).join(', ')}`,
    { hint: 'set "csv": { "sheet": "<name>" } in the config (or its number, 1 for the first)' },
  );
}

/** The first `count` rows of a sheet, by number, with the number of cells filled in each: where init looks for the header. */
export async function firstRows(
  file: string,
  sheetWanted: string | number | undefined,
  count: number,
): Promise<{ number: number; filled: number }[]> {
  const strings = new SharedStrings();
  const shared = (index: number) => strings.get(index);
  const sheets = sheetsOf(file, strings);
  const out: { number: number; filled: number }[] = [];
  try {
    const sheet = await findSheet(file, sheets, sheetWanted);
    for await (const row of sheet) {
      out.push({
        number: row.number,
        filled: Array.from(row.values).filter((v) => cellText(v, shared).text.trim() !== '').length,
      });
      if (out.length >= count) break;
    }
  } finally {
    await sheets.return?.(undefined);
  }
  return out;
}

/** The header row: rows before it (a report's title) are stepped over. */
async function rowAt(rows: AsyncIterator<Row>, line: number, file: string): Promise<Row> {
  for (let next = await rows.next(); !next.done; next = await rows.next()) {
    if (next.value.number === line) return next.value;
    if (next.value.number > line) break;
  }
  throw new UsageError(
    'CSV_EMPTY',
    line > 1
      ? `${file} has nothing on row ${line} (csv.headerLine): expected the header naming the columns there`
      : `${file}: its first row is empty: expected the header naming the columns`,
    { hint: 'set csv.headerLine to the row the column names are on' },
  );
}

function toItem(
  row: Row,
  header: readonly string[],
  shared: SharedStringLookup,
  restore: ((cell: string) => string) | undefined,
): TableItem {
  const width = header.length;
  const fields: string[] = [];
  let numberCells: number[] | undefined;
  let formulaCells: number[] | undefined;
  for (let i = 1; i <= width; i++) {
    const cell = cellText(row.values[i], shared);
    fields.push(restore ? restore(cell.text) : cell.text);
    if (cell.number) (numberCells ??= []).push(i - 1);
    if (cell.noValue) (formulaCells ??= []).push(i - 1);
  }
  const beyond = Array.from(row.values.slice(width + 1), (v) => cellText(v, shared).text);
  const extra = beyond.findIndex((t) => t.trim() !== '');
  if (extra >= 0) {
    const at = `${columnLetters(width + 1 + extra)}${row.number}`;
    return {
      kind: 'malformed',
      line: row.number,
      endLine: row.number,
      raw: [...fields, ...beyond].join(','),
      fields,
      message: `a value in cell ${at}, right of the header's last column (${columnLetters(width)}): the header names no column for it; give the column a name in the header row, or clear the cell`,
    };
  }
  const why = notARecord(fields, header);
  // Shown as a person sees the row, without the empty cells a sheet's width gives it ("Grand Totals (40 records)", not "…,,,,,,").
  if (why !== undefined)
    return { kind: 'ignored', line: row.number, text: fields.filter((f) => f.trim() !== '').join(', '), why, fields };
  return {
    kind: 'record',
    line: row.number,
    fields,
    ...(numberCells && { numberCells }),
    ...(formulaCells && { formulaCells }),
  };
}
