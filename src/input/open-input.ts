import { openCsv, type CsvOptions } from './read-csv.js';
import type { InputTable } from './table.js';
import { readInputHead } from './input-file.js';
import { isZip } from './sniff-format.js';
import { openVcard } from './read-vcard.js';

export interface InputOptions extends CsvOptions {
  /** A workbook's sheet, by name or position (csv.sheet). */
  readonly sheet?: string | number | undefined;
}

export type InputFormat = 'csv' | 'xlsx' | 'vcard';

/** What the file is, by its first bytes: a zip is read as a workbook, BEGIN:VCARD as vCards, anything else as CSV (which names the other formats it refuses). */
export async function inputFormat(file: string): Promise<InputFormat> {
  const { head } = await readInputHead(file, 64);
  if (isZip(head)) return 'xlsx';
  return /^(\xef\xbb\xbf)?\s*BEGIN:VCARD/i.test(head.toString('latin1')) ? 'vcard' : 'csv';
}

/** Opens the input as the table of records it holds, whatever its format. */
export async function openInput(file: string, options: InputOptions): Promise<InputTable> {
  const format = await inputFormat(file);
  if (format === 'vcard') return openVcard(file, options.encoding);
  if (format === 'xlsx') {
    // Loaded only for a workbook: exceljs costs a CSV run 12 MB and its start-up time.
    const { openXlsx } = await import('./read-xlsx.js');
    return openXlsx(file, { headerLine: options.headerLine, sheet: options.sheet });
  }
  return openCsv(file, options);
}
