import { attemptId, decodeEvent, encodeEvent, isCreatedLine, plainCreated } from '../../src/journal/codec.js';

const bytes = (s: string) => Buffer.from(s);
const text = (buf: Buffer, [a, b]: readonly [number, number]) => buf.toString('utf8', a, b);

test('what the codec writes, its byte readers read back as JSON would', () => {
  const attempt = bytes(encodeEvent({ t: 'attempt', id: 'hubspot-123', line: 7, at: 1_700_000_000_000 }));
  expect(text(attempt, attemptId(attempt, 0, attempt.length)!)).toBe('hubspot-123');
  const created = bytes(encodeEvent({ t: 'created', id: 'hubspot-123', cid: 'CT00ab', line: 42 }));
  expect(isCreatedLine(created, 0, created.length)).toBe(true);
  const c = plainCreated(created, 0, created.length)!;
  expect([text(created, c.id), text(created, c.cid), c.lineNo]).toEqual(['hubspot-123', 'CT00ab', 42]);
});

test.each([
  ['an id with a quote', { t: 'created', id: 'say "hi"', cid: 'C1', line: 1 }],
  ['an id with an accent', { t: 'created', id: 'Müller-1', cid: 'C1', line: 1 }],
  ['an existing contact', { t: 'created', id: 'x', cid: 'C1', line: 1, how: 'existing' }],
] as const)('%s is left to JSON, and JSON reads it', (_name, event) => {
  const line = bytes(encodeEvent(event));
  expect(plainCreated(line, 0, line.length)).toBeUndefined();
  expect(isCreatedLine(line, 0, line.length)).toBe(true);
  expect(decodeEvent(line.toString(), 2)).toEqual(event);
});

test.each([
  ['not JSON', '{"t":"created","id":'],
  ['no id', '{"t":"created","note":"by hand"}'],
  ['an unknown type', '{"t":"deleted","id":"x"}'],
  ['a failed event without its body hash', '{"t":"failed","id":"x","line":2,"code":"C","message":"m","retryable":false}'],
])('%s is not a journal line', (_name, line) => {
  expect(decodeEvent(line, 2)).toBeUndefined();
});
