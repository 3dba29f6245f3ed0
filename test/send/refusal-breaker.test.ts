import { judgeRefusal, RefusalBreaker } from '../../src/send/refusal-breaker.js';

const refusal = (i: number, code = 'API_404_0800404') => ({
  externalId: `e${i}`,
  line: i + 2,
  code,
  message: 'the API answered 404',
  bodyHash: 'h',
});

test('the first N records sent, all refused with one code: a trip naming the code and every record of the streak', () => {
  const b = new RefusalBreaker(3);
  expect(b.refused(refusal(0))).toBeUndefined();
  expect(b.refused(refusal(1))).toBeUndefined();
  const trip = b.refused(refusal(2))!;
  expect(trip.code).toBe('API_404_0800404');
  expect(trip.refused.map((r) => r.externalId)).toEqual(['e0', 'e1', 'e2']);
  expect(trip.message).toMatch(/the first 3 records sent were all refused with API_404_0800404/);
  // Once.
  expect(b.refused(refusal(3))).toBeUndefined();
});

test('bad records among good ones never trip: a success resets the streak, and later 400s in a row are the records', () => {
  const b = new RefusalBreaker(3);
  b.refused(refusal(0, 'API_400_0800400'));
  b.success();
  for (let i = 1; i < 10; i++) expect(b.refused(refusal(i, 'API_400_0800400'))).toBeUndefined();
});

test('different codes are not one cause', () => {
  const b = new RefusalBreaker(3);
  expect(b.refused(refusal(0, 'API_400_0800400'))).toBeUndefined();
  expect(b.refused(refusal(1, 'API_422_0800422'))).toBeUndefined();
  expect(b.refused(refusal(2, 'API_400_0800400'))).toBeUndefined();
});

test('403s in a row trip even after successes: a key that lost a permission mid-run', () => {
  const b = new RefusalBreaker(3);
  b.success();
  b.refused(refusal(0, 'API_403_0801403'));
  b.refused(refusal(1, 'API_403_0801403'));
  expect(b.refused(refusal(2, 'API_403_0801403'))!.message).toMatch(/3 records in a row were all refused with API_403/);
});

test("judge: refusals that may be a job-wide one are held; another code or a success gives them back as the records' own; a trip takes them all as not the records'", () => {
  const b = new RefusalBreaker<string>(3);
  expect(b.judge('a', refusal(0), true)).toEqual({ failed: [] });
  // Another code breaks the streak: "a" was its record's own.
  expect(b.judge('b', refusal(1, 'API_422_0800422'), true)).toEqual({ failed: ['a'] });
  // A refusal that cannot be the job's (it names a field, or a trip excused it before) is the record's at once.
  expect(b.judge('c', refusal(2, 'API_400_0800400'), false)).toEqual({ failed: ['c'] });
  expect(b.succeed()).toEqual(['b']);
  // After a success only the key's or the route's refusals may trip: three 403s in a row do.
  expect(b.judge('d', refusal(3, 'API_403_0801403'), true)).toEqual({ failed: [] });
  expect(b.judge('e', refusal(4, 'API_403_0801403'), true)).toEqual({ failed: [] });
  const verdict = b.judge('f', refusal(5, 'API_403_0801403'), true);
  expect(verdict.failed).toEqual([]);
  expect(verdict.tripped?.items).toEqual(['d', 'e', 'f']);
  expect(verdict.tripped?.trip.refused.map((r) => r.externalId)).toEqual(['e3', 'e4', 'e5']);
  // A run that ends gives back what it still holds.
  expect(b.release()).toEqual([]);
});

describe('which refusals count toward a job-wide trip (judgeRefusal)', () => {
  const sent = (code: string, namesField?: true) => ({
    kind: 'failed' as const,
    code,
    message: 'refused',
    retryable: false,
    ...(namesField && { namesField }),
  });
  const excused = (code: string) => ({ code, body: 'h1', trip: true });
  test.each([
    ['a 5xx: not a refusal', sent('API_500_0801500'), undefined, 'h1', false],
    ["a 4xx naming a field: the record's", sent('API_422_0800422', true), undefined, 'h1', false],
    ["a 4xx naming no field: may be the job's", sent('API_422_0800422'), undefined, 'h1', true],
    ['not an API refusal at all', sent('CONFLICT_NOT_FOUND'), undefined, 'h1', false],
    [
      "refused alike before, another body: may be the job's",
      sent('API_422_0800422'),
      excused('API_422_0800422'),
      'h2',
      true,
    ],
    [
      "refused alike before, another code: may be the job's",
      sent('API_400_0800400'),
      excused('API_422_0800422'),
      'h1',
      true,
    ],
    ["a 403 a trip excused before: still the key's", sent('API_403_0800403'), excused('API_403_0800403'), 'h1', true],
  ] as const)('%s', (_name, f, before, hash, counts) => {
    expect(judgeRefusal(f, before, hash).countsTowardTrip).toBe(counts);
  });
  test("the very refusal a trip excused before, same body: the record's own, failed for good, said so", () => {
    const judged = judgeRefusal({ ...sent('API_422_0800422'), retryable: true }, excused('API_422_0800422'), 'h1');
    expect(judged).toMatchObject({ countsTowardTrip: false, retryable: false, code: 'API_422_0800422' });
    expect(judged.message).toMatch(/^refused \(refused alike in an earlier run that stopped as a job-wide refusal/);
  });
});
