import { decodeEvent, encodeEvent } from '../../src/journal/codec.js';

test.each([
  ['an attempt', { t: 'attempt', id: 'hubspot-123', line: 7, at: 1_700_000_000_000 }],
  ['an id with a quote', { t: 'created', id: 'say "hi"', cid: 'C1', line: 1 }],
  ['an id with an accent', { t: 'created', id: 'Müller-1', cid: 'C1', line: 1 }],
  ['an existing contact', { t: 'created', id: 'x', cid: 'C1', line: 1, how: 'existing' }],
  [
    'a created contact with its body hash',
    { t: 'created', id: 'x', cid: 'C1', line: 1, h: 'abc', up: '2026-01-01T00:00:00.000Z' },
  ],
  ['a sync update', { t: 'updated', id: 'x', cid: 'C1', line: 3, h: 'def' }],
  ['a deletion of a record gone from the source', { t: 'deleted', id: 'x', cid: 'C1' }],
] as const)('%s reads back as written', (_name, event) => {
  expect(decodeEvent(encodeEvent(event), 2)).toEqual(event);
});

test('keys in another order read the same: no reader depends on the order a writer used', () => {
  expect(decodeEvent('{"line":42,"cid":"CT00ab","id":"hubspot-123","t":"created"}', 2)).toEqual({
    t: 'created',
    id: 'hubspot-123',
    cid: 'CT00ab',
    line: 42,
  });
});

test.each([
  ['not JSON', '{"t":"created","id":'],
  ['no id', '{"t":"created","note":"by hand"}'],
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
