import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexHeader } from '../../src/csv/header.js';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { replayJournal } from '../../src/journal/replay.js';
import type { PastFailure } from '../../src/journal/fold-state.js';
import { Recorder, outcomeLine } from '../../src/job/recorder.js';
import type { ValidRecord } from '../../src/classify/classify.js';
import { DroppedValuesReport } from '../../src/report/dropped-report.js';
import { FailuresReport } from '../../src/report/failures-report.js';
import { baseOf } from '../../src/sync/base.js';
import { RefusalBreaker, type Trip } from '../../src/send/refusal-breaker.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const header = indexHeader(['id', 'name'], [], 'in.csv');
const rec = (i: number): ValidRecord => ({
  kind: 'valid',
  line: i + 2,
  externalId: `e${i}`,
  payload: { defaultFields: { firstName: `N${i}` }, externalId: `e${i}` },
  fields: [`e${i}`, `N${i}`],
});

function recorder(streak = 10, pastFailure?: (id: string) => PastFailure | undefined) {
  const journal = new JournalWriter(join(dir(), 'journal.jsonl'), {
    t: 'header',
    format: JOURNAL_FORMAT,
    version: 1,
    mappingHash: 'h',
    baseUrl: 'x',
    createdAt: 'now',
  });
  const trips: Trip[] = [];
  const r = new Recorder({
    failures: new FailuresReport(join(dir(), 'failures.csv'), header, ',', 'in.csv'),
    dropped: new DroppedValuesReport(join(dir(), 'dropped-values.csv')),
    journal,
    breaker: new RefusalBreaker(streak),
    ...(pastFailure && { pastFailure }),
    onTrip: (t) => trips.push(t),
  });
  return { r, journal, trips };
}

test('every outcome lands in one bucket, one journal line and (for a failure) one report row', async () => {
  const { r, journal } = recorder();
  const outcomes = [
    { kind: 'created', contactId: 'C0', viaLookup: false },
    { kind: 'existing', contactId: 'C1' },
    { kind: 'updated', contactId: 'C2', how: 'updated', updatedAt: '2026-01-01T00:00:00.000Z' },
    { kind: 'updated', contactId: 'C7', how: 'adopted' },
    { kind: 'failed', code: 'API_400_X', message: 'bad', retryable: false },
    { kind: 'failed', code: 'LOOKUP_FAILED', message: 'no answer', retryable: true, doubt: true },
    { kind: 'notSent' },
    { kind: 'inDoubt' },
  ] as const;
  outcomes.forEach((o, i) => {
    r.read();
    r.outcome(rec(i), `h${i}`, o);
  });
  await r.commit();
  journal.close();
  expect(r.counts.buckets).toMatchObject({
    created: 1,
    existing: 1,
    updated: 1,
    adopted: 1,
    failed: 2,
    notSent: 1,
    inDoubt: 1,
  });
  expect(r.counts.invariantHolds).toBe(true);
  const state = await replayJournal(join(dir(), 'journal.jsonl'));
  // Each finished record keeps what the job is to its contact, its body's hash, and where its base is
  // (sync/base.ts): none for a contact the workspace had and the job left alone (it wrote nothing).
  expect(['e0', 'e1', 'e2', 'e3'].map((id) => state.done.get(id))).toEqual([
    { relation: 'created', hash: 'h0', writeAt: expect.any(Number), hasBase: true },
    { relation: 'existing', hash: 'h1', writeAt: expect.any(Number) },
    { relation: 'updated', hash: 'h2', writeAt: expect.any(Number), hasBase: true },
    { relation: 'adopted', hash: 'h3', writeAt: expect.any(Number), hasBase: true },
  ]);
  const { readBaseAfter } = await import('../../src/journal/line-reader.js');
  expect(readBaseAfter(join(dir(), 'journal.jsonl'), state.done.get('e0')!.writeAt!)).toEqual(baseOf(rec(0).payload));
  // Two made the job's: the one it created and the one it adopted; not the workspace's, left alone or updated.
  expect(r.madeOwned).toBe(2);
  expect(state.failed.get('e4')).toMatchObject({ retryable: false, body: 'h4' });
  expect(state.failed.get('e5')).toMatchObject({ retryable: true, body: 'h5' });
  const report = readFileSync(join(dir(), 'failures.csv'), 'utf8').trim().split('\n');
  expect(report).toHaveLength(3);
  expect(report[2]).toMatch(/LOOKUP_FAILED.*retryable: a rerun tries it again/);
});

test('a job-wide refusal: the streak is journaled as retryable and the trip is reported once', async () => {
  const { r, journal, trips } = recorder(3);
  for (let i = 0; i < 4; i++)
    r.outcome(rec(i), `h${i}`, { kind: 'failed', code: 'API_403_X', message: 'forbidden', retryable: false });
  journal.close();
  expect(trips).toHaveLength(1);
  const state = await replayJournal(join(dir(), 'journal.jsonl'));
  expect(['e0', 'e1', 'e2'].map((id) => state.failed.get(id)?.retryable)).toEqual([true, true, true]);
});

test('the journal line of each outcome kind', () => {
  expect(outcomeLine('e', 3, 'h', { kind: 'created', contactId: 'C', viaLookup: true })).toEqual({
    t: 'done',
    id: 'e',
    cid: 'C',
    line: 3,
    rel: 'created',
    h: 'h',
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'created', contactId: 'C', viaLookup: false, updatedAt: 'T' })).toEqual({
    t: 'done',
    id: 'e',
    cid: 'C',
    line: 3,
    rel: 'created',
    h: 'h',
    up: 'T',
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'existing', contactId: 'C' })).toEqual({
    t: 'done',
    id: 'e',
    cid: 'C',
    line: 3,
    rel: 'existing',
    h: 'h',
  });
  // A sync keeps who made the contact; the first PATCH of the workspace's contact says how the job came to hold it.
  expect(outcomeLine('e', 3, 'h', { kind: 'updated', contactId: 'C', how: 'sync', updatedAt: 'T' })).toEqual({
    t: 'patched',
    id: 'e',
    cid: 'C',
    line: 3,
    why: 'sync',
    h: 'h',
    up: 'T',
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'updated', contactId: 'C', how: 'updated', updatedAt: 'T' })).toEqual({
    t: 'done',
    id: 'e',
    cid: 'C',
    line: 3,
    rel: 'updated',
    h: 'h',
    up: 'T',
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'updated', contactId: 'C', how: 'adopted' })).toEqual({
    t: 'done',
    id: 'e',
    cid: 'C',
    line: 3,
    rel: 'adopted',
    h: 'h',
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'failed', code: 'X', message: 'm', retryable: true, doubt: true })).toEqual({
    t: 'failed',
    id: 'e',
    line: 3,
    code: 'X',
    message: 'm',
    retryable: true,
    h: 'h',
    doubt: true,
  });
  expect(outcomeLine('e', 3, 'h', { kind: 'inDoubt' })).toBeUndefined();
  expect(outcomeLine('e', 3, 'h', { kind: 'notSent' })).toBeUndefined();
});

test('values dropped from a record are reported when it is created, not when it was only found existing', async () => {
  const { r, journal } = recorder();
  const dropped = [
    {
      code: 'EMAIL_INVALID',
      line: 2,
      column: 'E-mail Address',
      value: '/o=ExchangeLabs/ou=x',
      message: 'expected an email address',
    },
  ];
  r.outcome({ ...rec(0), dropped }, 'h0', { kind: 'created', contactId: 'C0', viaLookup: false });
  r.outcome({ ...rec(1), dropped }, 'h1', { kind: 'existing', contactId: 'C1' });
  await r.commit();
  journal.close();
  expect(r.counts.dropped).toEqual({ EMAIL_INVALID: 1 });
  const rows = readFileSync(join(dir(), 'dropped-values.csv'), 'utf8').split('\n');
  expect(rows[0]).toBe('\uFEFFline,externalId,column,value,code,why');
  expect(rows[1]).toBe('2,e0,E-mail Address,/o=ExchangeLabs/ou=x,EMAIL_INVALID,expected an email address');
  expect(rows[2]).toBe('');
});

test('refusals that name a field of the record, or come with different codes, never make a job-wide trip', async () => {
  const { r, journal, trips } = recorder(3);
  for (let i = 0; i < 6; i++)
    r.outcome(rec(i), `h${i}`, {
      kind: 'failed',
      code: 'API_400_0801400',
      message: 'custom field "vip": Expected boolean',
      retryable: false,
      namesField: true,
    });
  for (let i = 6; i < 12; i++)
    r.outcome(rec(i), `h${i}`, {
      kind: 'failed',
      code: i % 2 ? 'API_400_0800400' : 'API_422_0800422',
      message: 'no',
      retryable: false,
    });
  journal.close();
  expect(trips).toHaveLength(0);
});

test("a refusal repeated on a rerun after a trip (same code, same body) is the record's own: failed for good, not counted toward a trip", async () => {
  const past = new Map([
    ['e0', { retryable: true, body: 'h0', code: 'API_400_X', message: 'm', trip: true }],
    ['e1', { retryable: true, body: 'h1', code: 'API_403_X', message: 'm', trip: true }],
  ]);
  const { r, journal, trips } = recorder(1, (id) => past.get(id));
  r.outcome(rec(0), 'h0', { kind: 'failed', code: 'API_400_X', message: 'bad', retryable: false });
  expect(trips).toHaveLength(0);
  // The key's refusal stays the key's: it counts, and trips a streak of one.
  r.outcome(rec(1), 'h1', { kind: 'failed', code: 'API_403_X', message: 'forbidden', retryable: true });
  expect(trips).toHaveLength(1);
  journal.close();
  const state = await replayJournal(join(dir(), 'journal.jsonl'));
  expect(state.failed.get('e0')).toMatchObject({
    retryable: false,
    message: expect.stringMatching(/it is this record's/),
  });
  expect(state.failed.get('e1')).toMatchObject({ retryable: true, trip: true });
});
