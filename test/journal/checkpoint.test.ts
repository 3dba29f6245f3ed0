import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { checkpointJournal, replayJournal } from '../../src/journal/replay.js';
import type { ResumeState } from '../../src/journal/fold-state.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const header = {
  t: 'header' as const,
  format: JOURNAL_FORMAT as typeof JOURNAL_FORMAT,
  version: 2,
  mappingHash: 'h',
  baseUrl: 'http://x',
  createdAt: 'now',
};
const lines = (events: object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

function journalWith(events: object[]): string {
  const path = join(dir(), 'journal.jsonl');
  writeFileSync(path, lines([header, ...events]));
  return path;
}

const hash = (c: string) => c.repeat(16);
/** A first run: records made, one failed, one left in doubt, a base, a decision, a clock. */
const firstRun = [
  { t: 'run', event: 'start', at: 't0', pid: 1 },
  { t: 'clock', lo: 3, hi: 9, at: 't0' },
  { t: 'attempt', id: 'a', line: 2, at: 100 },
  { t: 'created', id: 'a', cid: 'CT1', line: 2, h: hash('A') },
  { t: 'base', b: { f: { firstName: 'Ada' } } },
  { t: 'attempt', id: 'b', line: 3, at: 110 },
  { t: 'created', id: 'b', cid: 'CT2', line: 3, how: 'adopted', h: hash('B') },
  { t: 'attempt', id: 'c', line: 4, at: 120 },
  { t: 'failed', id: 'c', line: 4, code: 'API_400', message: 'm', retryable: false, body: 'x' },
  { t: 'attempt', id: 'd', line: 5, at: 130 },
  { t: 'attempt', id: 'u', line: 6, at: 140, op: 'update' },
  { t: 'decision', id: 'r', d: 'skip' },
  { t: 'run', event: 'end', at: 't1', pid: 1, exitCode: 1 },
];
/** A second run: a sync, a record in doubt found absent and tried again, one in doubt closed, a new one opened after a close. */
const secondRun = [
  { t: 'run', event: 'start', at: 't2', pid: 2 },
  { t: 'attempt', id: 'a', line: 2, at: 200, op: 'update' },
  { t: 'updated', id: 'a', cid: 'CT1', line: 2, h: hash('C'), cf: [{ field: 'x' }] },
  { t: 'base', b: { f: { firstName: 'Ada B' } } },
  { t: 'absent', id: 'd' },
  { t: 'attempt', id: 'd', line: 5, at: 210 },
  { t: 'created', id: 'u', cid: 'CT9', line: 6, how: 'updated', h: hash('U') },
  { t: 'attempt', id: 'b', line: 3, at: 220, op: 'update' },
  { t: 'deleted', id: 'c', cid: 'CT0' },
  { t: 'identity', source: 'crm', at: 't2' },
  { t: 'run', event: 'end', at: 't3', pid: 2, exitCode: 0 },
];

/** Everything a reader asks of a fold, as plain data. */
function view(state: ResumeState, ids: readonly string[]) {
  return {
    header: state.header,
    target: state.target,
    done: ids.map((id) => state.done.get(id)),
    size: state.done.size,
    byRelation: state.done.countByRelation(),
    inDoubt: [...state.inDoubt].sort(),
    attemptedAt: [...state.attemptedAt].sort(),
    updatesInDoubt: [...state.updatesInDoubt].sort(),
    failed: [...state.failed].sort(),
    decisions: [...state.decisions],
    runs: state.runs,
    tally: state.tally,
    rolledBack: [...state.rolledBack],
    idDefinition: state.idDefinition,
    sourceDefinition: state.sourceDefinition,
    clock: state.clock,
    events: state.events,
    position: state.position,
  };
}
const IDS = ['a', 'b', 'c', 'd', 'u', 'r', 'zz'];

describe('checkpoint of the fold', () => {
  test('a start from the checkpoint and the lines after it folds exactly what a replay of the whole journal does', async () => {
    const path = journalWith(firstRun);
    expect(await checkpointJournal(path)).toBeUndefined();
    const checkpoint = join(dir(), 'journal.checkpoint');
    expect(existsSync(checkpoint)).toBe(true);
    expect(statSync(checkpoint).mode & 0o777).toBe(0o600);
    appendFileSync(path, lines(secondRun));

    const resumed = await replayJournal(path);
    expect(resumed.replayedFrom).toBeGreaterThan(0);
    expect(resumed.replayedFrom).toBe(Buffer.byteLength(lines([header, ...firstRun])));
    writeFileSync(checkpoint, 'gone');
    const whole = await replayJournal(path);
    expect(whole.replayedFrom).toBe(0);
    expect(view(resumed, IDS)).toEqual(view(whole, IDS));
    // What the two runs leave: d tried again after it was found absent, b's update open; u closed.
    expect([...whole.inDoubt].sort()).toEqual([
      ['b', 3],
      ['d', 5],
    ]);
    expect(whole.attemptedAt.get('d')).toBe(210);
    expect([...whole.updatesInDoubt]).toEqual(['b']);
  });

  test("an attempt after the record's last outcome is dated by itself, not by the attempts the outcome closed", async () => {
    const path = journalWith([
      { t: 'attempt', id: 'a', line: 2, at: 100 },
      { t: 'created', id: 'a', cid: 'CT1', line: 2 },
      { t: 'deleted', id: 'a', cid: 'CT1' },
      { t: 'attempt', id: 'a', line: 2, at: 500 },
    ]);
    const state = await replayJournal(path);
    expect(state.attemptedAt.get('a')).toBe(500);
  });

  test('a checkpoint saved at the end of a run is brought up to the end of what the run appended, then saved', async () => {
    const path = journalWith(firstRun);
    const atStart = await replayJournal(path);
    appendFileSync(path, lines(secondRun));
    expect(await checkpointJournal(path, atStart)).toBeUndefined();
    const next = await replayJournal(path);
    expect(next.replayedFrom).toBe(statSync(path).size);
    writeFileSync(join(dir(), 'journal.checkpoint'), '');
    expect(view(next, IDS)).toEqual(view(await replayJournal(path), IDS));
  });

  test('thousands of records survive the round trip: every id found, with its hash and base', async () => {
    const events: object[] = [];
    for (let i = 0; i < 5000; i++) {
      events.push({ t: 'created', id: `id-${i}-é`, cid: `CT${i}`, line: i + 2, h: i % 7 ? hash('Q') : 'odd-hash' });
      if (i % 3 === 0) events.push({ t: 'base', b: { f: { n: i } } });
    }
    const path = journalWith(events);
    await checkpointJournal(path);
    const resumed = await replayJournal(path);
    expect(resumed.replayedFrom).toBe(statSync(path).size);
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}-é`);
    writeFileSync(join(dir(), 'journal.checkpoint'), '');
    const whole = await replayJournal(path);
    expect(view(resumed, ids)).toEqual(view(whole, ids));
    // A record added after the load goes into arrays with room for it.
    resumed.done.set('new', 'created', hash('N'));
    expect(resumed.done.get('new')).toEqual({ relation: 'created', hash: hash('N') });
    expect(resumed.done.get('id-4999-é')).toEqual(whole.done.get('id-4999-é'));
  });

  test("a checkpoint not of this journal is not used: another job's, one restored from a backup, one edited near its end", async () => {
    const path = journalWith(firstRun);
    await checkpointJournal(path);
    const saved = readFileSync(join(dir(), 'journal.checkpoint'));
    const original = readFileSync(path);
    const useWith = async (journal: string | Buffer) => {
      writeFileSync(path, journal);
      writeFileSync(join(dir(), 'journal.checkpoint'), saved);
      return (await replayJournal(path, { repair: false })).replayedFrom;
    };
    expect(await useWith(original)).toBe(original.length);
    // Another job: its header differs.
    expect(await useWith(original.toString().replace('"createdAt":"now"', '"createdAt":"then"'))).toBe(0);
    // Shorter than what the checkpoint covered (an older copy).
    expect(await useWith(original.subarray(0, original.length - 40))).toBe(0);
    // The same length, changed before the checkpoint's point.
    expect(await useWith(original.toString().replace('"exitCode":1', '"exitCode":3'))).toBe(0);
    // A checkpoint cut short, or not one at all.
    writeFileSync(path, original);
    writeFileSync(join(dir(), 'journal.checkpoint'), saved.subarray(0, saved.length - 5));
    expect((await replayJournal(path)).replayedFrom).toBe(0);
    writeFileSync(join(dir(), 'journal.checkpoint'), '{"format":"openphone-import-checkpoint","version":99}\n');
    expect((await replayJournal(path)).replayedFrom).toBe(0);
  });

  test('a corrupt line after the checkpoint is still named by its line number', async () => {
    const path = journalWith(firstRun);
    await checkpointJournal(path);
    appendFileSync(path, lines([{ t: 'attempt', id: 'x', line: 9 }]) + 'not json\n');
    await expect(replayJournal(path)).rejects.toThrow(`journal.jsonl:${firstRun.length + 3}: not a journal line`);
  });
});
