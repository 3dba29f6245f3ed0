import { RefusalBreaker } from '../../src/send/refusal-breaker.js';

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
