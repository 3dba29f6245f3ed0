import { openInput } from '../input/open-input.js';
import { leadingRows, type MalformedRecord, type TableRecord } from '../input/table.js';
import { workbookTempOnTrial } from '../state/workbook-temp.js';

/**
 * One of this tool's own reports saved as a workbook (failures.csv,
 * review.csv through Excel's "Save As"): its header row and first `max` rows
 * when `wanted(header)` says it is one, else undefined; the table is closed
 * either way. Sheets parked while it is read go into the state directory, as
 * the run's do (never the OS temp folder), and a state directory made for
 * that alone is removed again.
 */
export async function reportWorkbookRows(
  file: string,
  stateDir: string,
  wanted: (header: readonly string[]) => boolean,
  max = Number.POSITIVE_INFINITY,
): Promise<{ header: readonly string[]; rows: (TableRecord | MalformedRecord)[] } | undefined> {
  const temp = workbookTempOnTrial(stateDir);
  try {
    const table = await openInput(file, { encoding: 'utf-8' });
    const isReport = wanted(table.header);
    const rows = await leadingRows(table, isReport ? max : 0);
    return isReport ? { header: table.header, rows } : undefined;
  } finally {
    temp.undo();
  }
}
