import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { checkpointJournal, replayJournal } from '../../src/journal/replay.js';
import { jobContacts, ownedByJob, removedContacts } from '../../src/ownership/created-by-job.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const header = {
  t: 'header',
  format: JOURNAL_FORMAT,
  version: 2,
  mappingHash: 'h',
  baseUrl: 'http://x',
  createdAt: 'now',
};
const lines = (events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');
const H = 'A'.repeat(16);

const story = [
  { t: 'created', id: 'made', cid: 'CT1', line: 2, h: H, up: 't1' },
  { t: 'base', b: { f: { firstName: 'Ada' } } },
  // A sync that wrote: its updatedAt is the job's last.
  { t: 'updated', id: 'made', cid: 'CT1', line: 7, h: H, up: 't2' },
  { t: 'created', id: 'adopted', cid: 'CT2', line: 3, how: 'adopted', h: H, up: 't3' },
  // Syncs that wrote nothing (the workspace kept its values): the job's last updatedAt stays t3.
  { t: 'updated', id: 'adopted', cid: 'CT2', line: 8, h: H },
  { t: 'updated', id: 'adopted', cid: 'CT2', line: 9, h: H },
  { t: 'created', id: 'left', cid: 'CT3', line: 4, how: 'existing', h: H },
  { t: 'created', id: 'patched', cid: 'CT4', line: 5, how: 'updated', h: H, up: 't4' },
  // An earlier version's --delete-missing deleted the workspace's contact it had updated: a rollback makes it again.
  { t: 'deleted', id: 'patched', cid: 'CT4' },
  { t: 'created', id: 'gone', cid: 'CT5', line: 6, h: H, up: 't5' },
  { t: 'deleted', id: 'gone', cid: 'CT5' },
];

test("each record's contact is read from the line of its last write, with the updatedAt of the last write that wrote", async () => {
  const path = join(dir(), 'journal.jsonl');
  writeFileSync(path, lines([header, ...story.slice(0, 5)]));
  // Half of the story before the checkpoint, half after: the same answer either way.
  await checkpointJournal(path);
  appendFileSync(path, lines(story.slice(5)));
  const past = await replayJournal(path);
  expect(past.replayedFrom).toBeGreaterThan(0);
  expect(jobContacts(path, past)).toEqual([
    { externalId: 'made', contactId: 'CT1', line: 7, relation: 'created', leftAt: 't2' },
    { externalId: 'adopted', contactId: 'CT2', line: 9, relation: 'adopted', leftAt: 't3' },
    { externalId: 'left', contactId: 'CT3', line: 4, relation: 'existing' },
  ]);
  expect(jobContacts(path, past, (_, done) => ownedByJob(done.relation)).map((c) => c.externalId)).toEqual([
    'made',
    'adopted',
  ]);
  expect(removedContacts(path, past)).toEqual([
    { externalId: 'patched', contactId: 'CT4', line: 5, relation: 'updated', leftAt: 't4' },
  ]);
  // The same after a second checkpoint, which holds the removed list and the earlier updatedAt's line.
  await checkpointJournal(path, past);
  const again = await replayJournal(path);
  expect(again.replayedFrom).toBe(past.position.bytes);
  expect(jobContacts(path, again)).toEqual(jobContacts(path, past));
  expect(removedContacts(path, again)).toEqual(removedContacts(path, past));
});
