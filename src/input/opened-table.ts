import type { Stats } from 'node:fs';
import { changedSinceOpen } from './changed-since-open.js';
import { oneByOne, type InputTable, type TableItem } from './table.js';

/**
 * Records in a batch: well under the 100 that, alive together at a
 * young-generation collection, make V8 allocate every later record in the old
 * generation (read-csv.ts says how; it cost a vCard dry run 60 MB).
 */
const BATCH = 32;

/**
 * A workbook's or a vCard file's records as the table a CSV reader opens: its
 * reports (failures.csv) are written as UTF-8 CSV with commas, and its items
 * come in batches as a CSV's do.
 */
export function openedTable(t: {
  file: string;
  format: 'xlsx' | 'vcard';
  opened: Stats;
  header: readonly string[];
  items: AsyncIterable<TableItem>;
  estimatedRecords: () => number | undefined;
}): InputTable {
  const batches = inBatches(t.items, BATCH);
  return {
    file: t.file,
    writeBack: { format: t.format },
    header: t.header,
    batches,
    items: oneByOne(batches),
    estimatedRecords: t.estimatedRecords,
    changedSinceOpen: () => changedSinceOpen(t.file, t.opened),
  };
}

/** Items in batches of `size` (the last may be shorter): what a reader that makes items one by one (a workbook's rows, vCards) hands the pipeline. */
async function* inBatches(items: AsyncIterable<TableItem>, size: number): AsyncGenerator<TableItem[]> {
  let batch: TableItem[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
