import { existsSync } from 'node:fs';
import { forEachJournalEvent, isCreatedByJob } from '../ownership/created-by-job.js';
import { AtomicPrivateFile } from './private-files.js';
import { safeCsvRows, UTF8_BOM } from './spreadsheet-safe.js';

/**
 * created.csv: every contact this job made (all runs), externalId → contact
 * id, rebuilt from the journal so it is complete after any crash and resume.
 * Only contacts the job made (ownership/created-by-job.ts): a contact the
 * workspace had, left alone, updated or adopted, is not listed. A record whose
 * contact was deleted in the app and made again has a row per contact.
 */
export async function writeCreatedReport(journalPath: string, outPath: string): Promise<number> {
  const file = new AtomicPrivateFile(outPath);
  // A byte order mark: Excel reads the file as UTF-8 (externalIds may have accents).
  file.stream.write(`${UTF8_BOM}line,externalId,contactId\n`);
  let count = 0;
  if (existsSync(journalPath)) {
    let rows: string[][] = [];
    await forEachJournalEvent(
      journalPath,
      (event) => {
        if (!isCreatedByJob(event)) return;
        count++;
        rows.push([String(event.line), event.id, event.cid]);
      },
      async () => {
        // One csv-stringify call per chunk of the journal, not one per row.
        if (rows.length > 0) file.stream.write(safeCsvRows(rows));
        rows = [];
        await file.pace();
      },
    );
  }
  await file.commit();
  return count;
}
