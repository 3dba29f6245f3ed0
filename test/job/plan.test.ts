import { DoneRecords } from '../../src/journal/done-records.js';
import { bodyHash, DEFAULT_RULES, planRecord, type PastView, type PlanRules } from '../../src/job/plan.js';
import type { Relation } from '../../src/journal/events.js';
import type { RejectedRecord, ValidRecord } from '../../src/classify/classify.js';
import type { IndexedContact, Match } from '../../src/workspace/index.js';

const valid: ValidRecord = {
  kind: 'valid',
  line: 4,
  externalId: 'e1',
  payload: { defaultFields: { firstName: 'Ada' }, externalId: 'e1' },
  fields: ['e1', 'Ada'],
};
const rejected: RejectedRecord = {
  kind: 'rejected',
  bucket: 'failed',
  line: 5,
  fields: [],
  problems: [{ code: 'X', line: 5, message: 'bad' }],
};
const same = bodyHash(valid.payload);
const failure = (retryable: boolean, body: string) => ({
  retryable,
  body,
  code: 'API_400_0801400',
  message: 'the API answered 400',
});
const appContact: IndexedContact = {
  id: 'CT1',
  externalId: null,
  name: 'Ada Lovelace',
  firstName: 'Ada Lovelace',
  lastName: null,
};

interface Row {
  readonly done?: readonly [Relation, string | undefined];
  readonly failed?: ReturnType<typeof failure>;
  readonly inDoubt?: { readonly at?: number; readonly update?: boolean };
  readonly rules?: Partial<PlanRules>;
  readonly match?: Match;
}

function plan(row: Row) {
  const done = new DoneRecords();
  if (row.done) done.set('e1', row.done[0], row.done[1]);
  const past: PastView = {
    done,
    failed: new Map(row.failed ? [['e1', row.failed]] : []),
    inDoubt: new Map(row.inDoubt ? [['e1', 4]] : []),
    updatesInDoubt: new Set(row.inDoubt?.update ? ['e1'] : []),
    attemptedAt: new Map(row.inDoubt?.at !== undefined ? [['e1', row.inDoubt.at]] : []),
  };
  return planRecord(valid, past, { ...DEFAULT_RULES, ...row.rules }, row.match);
}

test.each<[string, Row, object]>([
  ['a new record: created', {}, { kind: 'send', inDoubt: false }],
  ['done, the same body: unchanged, no request', { done: ['created', same] }, { kind: 'unchanged' }],
  [
    'done, another body: a sync update, keeping who made the contact',
    { done: ['created', 'old'] },
    { kind: 'send', sync: { relation: 'created' } },
  ],
  [
    'adopted, another body: a sync update',
    { done: ['adopted', 'old'] },
    { kind: 'send', sync: { relation: 'adopted' } },
  ],
  [
    'done, another body, --on-changed skip: reported, not sent',
    { done: ['created', 'old'], rules: { onChanged: 'skip' } },
    { kind: 'changed' },
  ],
  [
    'done by a journal of an older version (no hash): unchanged, nothing is sent',
    { done: ['created', undefined] },
    { kind: 'unchanged' },
  ],
  [
    "the workspace's contact, left alone (--on-existing skip), even if changed",
    { done: ['existing', 'old'] },
    { kind: 'existing' },
  ],
  [
    "the workspace's contact, --on-existing update, changed: its first PATCH",
    { done: ['existing', 'old'], rules: { onExisting: 'update' } },
    { kind: 'send', sync: { relation: 'existing' } },
  ],
  [
    'a sync refused for good with this very body: not sent again',
    { done: ['created', 'old'], failed: failure(false, same) },
    { kind: 'failedBefore' },
  ],
  [
    'refused for good last time with the very same body: not sent again',
    { failed: failure(false, same) },
    { kind: 'failedBefore', code: 'API_400_0801400' },
  ],
  [
    'refused for good with another body (the record was fixed): sent',
    { failed: failure(false, 'another') },
    { kind: 'send' },
  ],
  ['a retryable failure: sent again', { failed: failure(true, same) }, { kind: 'send' }],
  [
    'a create left in doubt: sent in doubt, with the time its first attempt left',
    { inDoubt: { at: 1234 } },
    { kind: 'send', inDoubt: true, attemptedAt: 1234 },
  ],
  [
    'an update left in doubt is not a create of ours: sent, not in doubt (its 409 leads to the update again)',
    { inDoubt: { at: 1234, update: true } },
    { kind: 'send', inDoubt: false },
  ],
  [
    'a new record matching one app-made contact: adopted',
    { match: { kind: 'adopt', contact: appContact } },
    { kind: 'send', adopt: appContact },
  ],
  [
    "a new record whose id another integration's contact holds: left alone, with nothing sent",
    { match: { kind: 'heldElsewhere', contact: { ...appContact, externalId: 'e1', source: 'hubspot' } } },
    { kind: 'send', heldElsewhere: { id: 'CT1', source: 'hubspot' } },
  ],
  [
    'a new record matching several: for review, not sent',
    { match: { kind: 'review', candidates: [appContact, appContact], why: 'two' } },
    { kind: 'review', why: 'two' },
  ],
  [
    'a create in doubt is settled first, whatever the index says',
    { inDoubt: { at: 1 }, match: { kind: 'review', candidates: [appContact], why: 'x' } },
    { kind: 'send', inDoubt: true },
  ],
])('%s', (_name, row, expected) => {
  expect(plan(row)).toMatchObject(expected);
});

test('a rejected record is rejected as classified', () => {
  expect(
    planRecord(rejected, {
      done: new DoneRecords(),
      failed: new Map(),
      inDoubt: new Map(),
      updatesInDoubt: new Set(),
      attemptedAt: new Map(),
    }),
  ).toEqual({ kind: 'reject', record: rejected });
});

test('the failedBefore message says how to get the record sent', () => {
  const p = plan({ failed: failure(false, same) });
  expect(p.kind === 'failedBefore' && p.message).toMatch(/fix the record to send it again/);
});

test('the body hash depends on the body only', () => {
  expect(bodyHash({ a: 1 })).toBe(bodyHash({ a: 1 }));
  expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
});

test("a failure report's row that failed as a duplicate, rerun: still a duplicate while its id is done, a create once it is not", () => {
  const row = { ...valid, failedAsDuplicate: true } as const;
  const past = (done: DoneRecords): PastView => ({
    done,
    failed: new Map(),
    inDoubt: new Map(),
    updatesInDoubt: new Set(),
    attemptedAt: new Map(),
  });
  const finished = new DoneRecords();
  finished.set('e1', 'created', 'another body');
  expect(planRecord(row, past(finished))).toMatchObject({
    kind: 'reject',
    record: { bucket: 'duplicate', externalId: 'e1', problems: [{ code: 'DUPLICATE_EXTERNAL_ID', value: 'e1' }] },
  });
  // The same body as the first record's: still not this row's to settle.
  const same = new DoneRecords();
  same.set('e1', 'created', bodyHash(valid.payload));
  expect(planRecord(row, past(same)).kind).toBe('reject');
  // The first record's create in doubt: its contact may be there, and is not this row's either.
  expect(planRecord(row, { ...past(new DoneRecords()), inDoubt: new Map([['e1', 4]]) }).kind).toBe('reject');
  // Its own id (or the first record never finished): sent like any record.
  expect(planRecord(row, past(new DoneRecords()))).toMatchObject({ kind: 'send', inDoubt: false });
});
