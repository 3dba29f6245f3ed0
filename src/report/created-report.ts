import { createReadStream, existsSync, statSync } from 'node:fs';
import { forEachJournalEvent } from '../journal/codec.js';
import { isCreatedByJob } from '../ownership/created-by-job.js';
import { AtomicPrivateFile } from '../state/private-files.js';
import { safeCsvRow, safeCsvRows, UTF8_BOM } from '../csv/spreadsheet-safe.js';
import { delimiterOfReport } from './csv-report.js';

/**
 * created.csv: every contact this job made (all runs), externalId → contact
 * id, from the journal, so it is complete after any crash and resume. Only
 * contacts the job made (ownership/created-by-job.ts): a contact the
 * workspace had, left alone, updated or adopted, is not listed. A record whose
 * contact was deleted in the app and made again has a row per contact.
 *
 * `continueFrom`: the journal offset the existing created.csv covers (the last
 * finished run says so): its rows are copied and only the journal after that
 * offset is read, so a resume over a million contacts does not parse them all
 * again. Without it, or without the file, the whole journal is read.
 */
export async function writeCreatedReport(
  journalPath: string,
  outPath: string,
  continueFrom?: number,
  inputDelimiter = ',',
): Promise<void> {
  const file = new AtomicPrivateFile(outPath);
  // A journal shorter than what created.csv covered was not the one it was made from: read it all.
  const resume =
    continueFrom !== undefined &&
    existsSync(outPath) &&
    existsSync(journalPath) &&
    continueFrom <= statSync(journalPath).size;
  // The rows copied keep their delimiter; a file started afresh takes the input's.
  const delimiter = resume ? delimiterOfReport(outPath, ',') : inputDelimiter;
  if (resume) {
    for await (const chunk of createReadStream(outPath)) {
      file.stream.write(chunk as Buffer);
      await file.pace();
    }
  } else {
    // A byte order mark: Excel reads the file as UTF-8 (externalIds may have accents).
    file.stream.write(`${UTF8_BOM}${safeCsvRow(['line', 'externalId', 'contactId'], delimiter)}`);
  }
  if (existsSync(journalPath)) {
    let rows: string[][] = [];
    await forEachJournalEvent(
      journalPath,
      (event) => {
        if (!isCreatedByJob(event)) return;
        rows.push([String(event.line), event.id, event.cid]);
      },
      async () => {
        // One csv-stringify call per chunk of the journal, not one per row.
        if (rows.length > 0) file.stream.write(safeCsvRows(rows, delimiter));
        rows = [];
        await file.pace();
      },
      resume ? continueFrom : 0,
    );
  }
  await file.commit();
}
