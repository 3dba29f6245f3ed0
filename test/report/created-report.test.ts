import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { writeCreatedReport } from '../../src/report/created-report.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const newJournal = (path: string) =>
  new JournalWriter(path, {
    t: 'header',
    format: JOURNAL_FORMAT,
    version: 3,
    mappingHash: 'h',
    baseUrl: 'x',
    createdAt: 'now',
  });

test('created.csv continued from the offset the last finished run covered equals one rebuilt from the whole journal', async () => {
  const journalPath = join(dir(), 'journal.jsonl');
  const journal = newJournal(journalPath);
  const made = (i: number) =>
    journal.append({ t: 'done', id: `r${i}`, cid: `CT${i}`, line: i + 2, rel: 'created', h: 'AAAAAAAAAAAAAAAA' });
  for (let i = 0; i < 50; i++) made(i);
  journal.append({ t: 'done', id: 'theirs', cid: 'CTx', line: 99, rel: 'existing' });
  journal.flush();
  const out = join(dir(), 'created.csv');
  await writeCreatedReport(journalPath, out);
  const through = statSync(journalPath).size;
  // A later run (or a killed one and the next): more contacts, a sync of an old one, a formula-looking id.
  for (let i = 50; i < 80; i++) made(i);
  journal.append({ t: 'patched', id: 'r3', cid: 'CT3', line: 5, why: 'sync', h: 'BBBBBBBBBBBBBBBB' });
  journal.append({ t: 'done', id: '=cmd', cid: 'CT=', line: 120, rel: 'created', h: 'CCCCCCCCCCCCCCCC' });
  journal.close();
  await writeCreatedReport(journalPath, out, through);
  const continued = readFileSync(out, 'utf8');
  const whole = join(dir(), 'whole.csv');
  await writeCreatedReport(journalPath, whole);
  expect(continued).toBe(readFileSync(whole, 'utf8'));
  expect(continued.trim().split('\n')).toHaveLength(1 + 81);
  expect(continued).toMatch(/\n120,'=cmd,CT=\n$/);
  expect(continued).not.toMatch(/theirs/);
});

test("an offset past the journal's end (not the journal created.csv came from): the whole journal is read", async () => {
  const journalPath = join(dir(), 'journal.jsonl');
  const journal = newJournal(journalPath);
  journal.append({ t: 'done', id: 'a', cid: 'CT1', line: 2, rel: 'created' });
  journal.close();
  const out = join(dir(), 'created.csv');
  writeFileSync(out, '\uFEFFline,externalId,contactId\n7,stale,CT9\n');
  await writeCreatedReport(journalPath, out, 10_000_000);
  expect(readFileSync(out, 'utf8')).toBe('\uFEFFline,externalId,contactId\n2,a,CT1\n');
});
