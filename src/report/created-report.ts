import { createReadStream, existsSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { CreatedEvent } from '../journal/events.js';
import { IdSet } from '../util/id-set.js';
import { AtomicPrivateFile } from './private-files.js';

/**
 * created.csv: every contact this job has made (all runs), externalId → contact
 * id, rebuilt from the journal so it is complete after any crash and resume.
 */
export async function writeCreatedReport(journalPath: string, outPath: string): Promise<number> {
  const file = new AtomicPrivateFile(outPath);
  file.stream.write('line,externalId,contactId\n');
  const written = new IdSet();
  if (existsSync(journalPath)) {
    let rest = '';
    let pending = '';
    for await (const chunk of createReadStream(journalPath, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (rest + (chunk as string)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{"t":"created"')) continue;
        const e = JSON.parse(line) as CreatedEvent;
        if (written.has(e.id)) continue;
        written.set(e.id, 1);
        pending += stringify([[String(e.line), e.id, e.cid]]);
      }
      if (pending.length > 0 && !file.stream.write(pending)) await new Promise<void>((r) => file.stream.once('drain', () => r()));
      pending = '';
    }
  }
  await file.commit();
  return written.size;
}
