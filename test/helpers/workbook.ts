import ExcelJS from 'exceljs';

/** A workbook of these rows on a sheet of this name, every cell as given (a string stays text, a number is a number cell). */
export async function writeWorkbook(path: string, sheets: Record<string, unknown[][]>): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const row of rows) ws.addRow(row);
  }
  await wb.xlsx.writeFile(path);
}
