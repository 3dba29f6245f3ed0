import type { ValidRecord } from '../../src/classify/classify.js';
import { idFormCheck } from '../../src/job/id-form.js';
import type { PastView } from '../../src/job/plan.js';
import { DoneRecords } from '../../src/journal/done-records.js';

const record = (externalId: string): ValidRecord => ({
  kind: 'valid',
  line: 7,
  externalId,
  payload: { defaultFields: { firstName: 'Ada' }, externalId },
  fields: [externalId, 'Ada'],
});

function pastOf(ids: readonly string[], failed: readonly string[] = []): PastView {
  const done = new DoneRecords();
  for (const id of ids) done.set(id, 'created', 'hash');
  return {
    done,
    failed: new Map(failed.map((id) => [id, { retryable: false, body: 'h', code: 'X', message: 'm' }])),
    inDoubt: new Map(),
    updatesInDoubt: new Set(),
    attemptedAt: new Map(),
  };
}

test('a job that finished nothing checks nothing', () => {
  expect(idFormCheck(pastOf([]), 'Record ID')).toBeUndefined();
});

test.each<[string, readonly string[], string, string | undefined]>([
  ['zeros dropped by a spreadsheet app', ['000123', '000124'], '123', '000123'],
  ['some of them dropped', ['000123'], '0123', '000123'],
  ['zeros added', ['555'], '00555', '555'],
  ['after a prefix (a template)', ['crm-0042'], 'crm-42', 'crm-0042'],
  ['the finished id itself: not this check', ['000123'], '000123', undefined],
  ['another number', ['000123'], '124', undefined],
  ['an id with no digits at its end', ['000123'], 'ada@example.com', undefined],
  ['ids without zeros: a new one is new', ['123', '124'], '125', undefined],
])('%s: finished %j, read %j → %j', (_, finished, read, named) => {
  const check = idFormCheck(pastOf(finished), 'Record ID')!;
  const found = check(record(read));
  if (named === undefined) return expect(found).toBeUndefined();
  expect(found?.finished).toBe(named);
  const rejected = found?.rejected;
  expect(rejected).toMatchObject({
    kind: 'rejected',
    bucket: 'failed',
    line: 7,
    externalId: read,
    problems: [{ code: 'EXTERNAL_ID_ZEROS_CHANGED', column: 'Record ID', value: read }],
  });
  expect(rejected!.problems[0]!.message).toContain(JSON.stringify(named));
});

test('a record of its own in the journal (failed before) is not taken for another', () => {
  expect(idFormCheck(pastOf(['000123'], ['123']), undefined)!(record('123'))).toBeUndefined();
});
