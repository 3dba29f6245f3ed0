import { bodyHash, NO_PAST, planRecord, type PastView } from '../../src/job/plan.js';
import type { RejectedRecord, ValidRecord } from '../../src/pipeline/classify.js';

const valid: ValidRecord = { kind: 'valid', line: 4, externalId: 'e1', payload: { defaultFields: { firstName: 'Ada' }, externalId: 'e1' }, fields: ['e1', 'Ada'] };
const rejected: RejectedRecord = { kind: 'rejected', bucket: 'failed', line: 5, fields: [], problems: [{ code: 'X', line: 5, message: 'bad' }] };
const past = (p: Partial<PastView>): PastView => ({ ...NO_PAST, ...p });
const failure = (retryable: boolean, body: string) => ({ retryable, body, code: 'API_400_0801400', message: 'the API answered 400' });

test('a record done before is skipped', () => {
  expect(planRecord({ kind: 'done', externalId: 'e1' }, NO_PAST)).toEqual({ kind: 'skip' });
});

test('a rejected record is rejected as classified', () => {
  expect(planRecord(rejected, NO_PAST)).toEqual({ kind: 'reject', record: rejected });
});

test('a new record is sent, not in doubt', () => {
  expect(planRecord(valid, NO_PAST)).toEqual({ kind: 'send', record: valid, inDoubt: false });
});

test('refused for good last time with the very same body: not sent again, and the message says how to get it sent', () => {
  const plan = planRecord(valid, past({ failed: new Map([['e1', failure(false, bodyHash(valid.payload))]]) }));
  expect(plan).toMatchObject({ kind: 'failedBefore', code: 'API_400_0801400' });
  expect(plan.kind === 'failedBefore' && plan.message).toMatch(/fix the record to send it again/);
});

test('refused for good with another body (the record was fixed): sent', () => {
  expect(planRecord(valid, past({ failed: new Map([['e1', failure(false, 'another')]]) })).kind).toBe('send');
});

test('a retryable failure is sent again', () => {
  expect(planRecord(valid, past({ failed: new Map([['e1', failure(true, bodyHash(valid.payload))]]) })).kind).toBe('send');
});

test('a create left in doubt is sent in doubt, with the time its attempt left', () => {
  const plan = planRecord(valid, past({ inDoubt: new Map([['e1', 4]]), attemptedAt: new Map([['e1', 1234]]) }));
  expect(plan).toEqual({ kind: 'send', record: valid, inDoubt: true, attemptedAt: 1234 });
});

test('an update left in doubt is not a create of ours: sent, not in doubt (its 409 leads to the update again)', () => {
  const plan = planRecord(valid, past({ inDoubt: new Map([['e1', 4]]), updatesInDoubt: new Set(['e1']), attemptedAt: new Map([['e1', 1234]]) }));
  expect(plan).toEqual({ kind: 'send', record: valid, inDoubt: false });
});

test('the body hash depends on the body only', () => {
  expect(bodyHash({ a: 1 })).toBe(bodyHash({ a: 1 }));
  expect(bodyHash({ a: 1 })).not.toBe(bodyHash({ a: 2 }));
});
