import ExcelJS from 'exceljs';
import { BENCH_HEADER, benchRecord } from './generate-contacts.js';

/**
 * The bench's records as an .xlsx workbook, every cell text, through exceljs's
 * streaming writer. Strings go to the shared-strings table, as Excel writes
 * them, so the reader carries the cost a real export has.
 */
export async function generateWorkbook(path: string, records: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('Contacts');
  sheet.addRow(BENCH_HEADER).commit();
  for (let i = 0; i < records; i++) sheet.addRow(benchRecord(i)).commit();
  sheet.commit();
  await workbook.commit();
}
