import { decodeEvent, encodeEvent } from '../../src/journal/codec.js';

test.each([
  ['an attempt', { t: 'attempt', id: 'hubspot-123', line: 7, at: 1_700_000_000_000 }],
  ['an id with a quote', { t: 'done', id: 'say "hi"', cid: 'C1', line: 1, rel: 'created' }],
  ['an id with an accent', { t: 'done', id: 'Müller-1', cid: 'C1', line: 1, rel: 'created' }],
  ['an existing contact', { t: 'done', id: 'x', cid: 'C1', line: 1, rel: 'existing' }],
  [
    'a created contact with its body hash',
    { t: 'done', id: 'x', cid: 'C1', line: 1, rel: 'created', h: 'abc', up: '2026-01-01T00:00:00.000Z' },
  ],
  ['a sync', { t: 'patched', id: 'x', cid: 'C1', line: 3, why: 'sync', h: 'def' }],
  [
    'a failure with its body hash',
    { t: 'failed', id: 'x', line: 2, code: 'C', message: 'm', retryable: false, h: 'x' },
  ],
  ['a deletion of a record gone from the source', { t: 'deleted', id: 'x', cid: 'C1' }],
] as const)('%s reads back as written', (_name, event) => {
  expect(decodeEvent(encodeEvent(event), 2)).toEqual(event);
});

test.each([
  [
    'created: done, by this job',
    '{"t":"created","id":"x","cid":"C1","line":1,"h":"abc"}',
    { t: 'done', id: 'x', cid: 'C1', line: 1, rel: 'created', h: 'abc' },
  ],
  [
    "created with how: done, with the job's relation",
    '{"t":"created","id":"x","cid":"C1","line":1,"how":"adopted","up":"T"}',
    { t: 'done', id: 'x', cid: 'C1', line: 1, rel: 'adopted', up: 'T' },
  ],
  [
    'updated: patched by a sync',
    '{"t":"updated","id":"x","cid":"C1","line":3,"h":"def","cf":[]}',
    { t: 'patched', id: 'x', cid: 'C1', line: 3, why: 'sync', h: 'def', cf: [] },
  ],
  [
    'updated with drift: patched by --verify',
    '{"t":"updated","id":"x","cid":"C1","line":3,"h":"def","dr":[]}',
    { t: 'patched', id: 'x', cid: 'C1', line: 3, why: 'drift', h: 'def', dr: [] },
  ],
  [
    "failed with body: the failure's hash is h",
    '{"t":"failed","id":"x","line":2,"code":"C","message":"m","retryable":false,"body":"b1","doubt":true}',
    { t: 'failed', id: 'x', line: 2, code: 'C', message: 'm', retryable: false, h: 'b1', doubt: true },
  ],
])('an event of versions 1 and 2, %s', (_name, line, event) => {
  expect(decodeEvent(line, 2)).toEqual(event);
});

test('keys in another order read the same: no reader depends on the order a writer used', () => {
  expect(decodeEvent('{"line":42,"cid":"CT00ab","id":"hubspot-123","rel":"created","t":"done"}', 2)).toEqual({
    t: 'done',
    id: 'hubspot-123',
    cid: 'CT00ab',
    line: 42,
    rel: 'created',
  });
});

test.each([
  ['not JSON', '{"t":"done","id":'],
  ['no id', '{"t":"done","note":"by hand"}'],
  ['a done record without its relation', '{"t":"done","id":"x","cid":"C1","line":1}'],
  ['a patch without its reason', '{"t":"patched","id":"x","cid":"C1","line":1,"h":"def"}'],
  ['an unknown type', '{"t":"erased","id":"x"}'],
  ['a deletion without its contact id', '{"t":"deleted","id":"x"}'],
  [
    'a failed event without its body hash',
    '{"t":"failed","id":"x","line":2,"code":"C","message":"m","retryable":false}',
  ],
  ['a sync update without its body hash', '{"t":"updated","id":"x","cid":"C1","line":2}'],
])('%s is not a journal line', (_name, line) => {
  expect(decodeEvent(line, 2)).toBeUndefined();
});
