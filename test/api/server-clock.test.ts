import { ServerClock } from '../../src/api/server-clock.js';

const httpDate = (ms: number) => new Date(ms).toUTCString();
const iso = (ms: number) => new Date(ms).toISOString();

test("a write of the job's calibrates the clock: its stamp lies between the request leaving and its answer", () => {
  const clock = new ServerClock();
  // Local 10.300 s → 10.340 s; the server stamped the contact at 12.310 s (it is 2 s ahead, give or take).
  clock.stamp(10_300, 10_340, iso(12_310));
  expect(clock.offset).toEqual({ lo: 12_310 - 10_340, hi: 12_311 - 10_300, samples: 1 });
});

test('many writes narrow the interval to the shortest round trip, and it always holds the true offset', () => {
  const trueOffset = 1_234;
  const clock = new ServerClock();
  for (let local = 50_000; local < 60_000; local += 137) clock.stamp(local, local + 6, iso(local + 3 + trueOffset));
  const o = clock.offset!;
  expect(o.lo).toBeLessThanOrEqual(trueOffset);
  expect(o.hi).toBeGreaterThanOrEqual(trueOffset);
  expect(o.hi - o.lo).toBeLessThanOrEqual(7);
});

test('Date headers alone calibrate nothing: a gateway may write them', () => {
  const clock = new ServerClock();
  clock.sample(1_000, 1_010, httpDate(1_000));
  clock.sample(1, 2, undefined);
  clock.sample(1, 2, 'yesterday-ish');
  expect(clock.offset).toBeUndefined();
});

test('Date headers that agree with the stamps narrow them further', () => {
  const clock = new ServerClock();
  // The stamp says the offset is in [−40, 1]; the Date header (second 10, read between 10.020 and 10.030) says [−30, 980].
  clock.stamp(10_000, 10_040, iso(10_000));
  clock.sample(10_020, 10_030, httpDate(10_000));
  expect(clock.dateIgnored).toBe(false);
  expect(clock.offset).toMatchObject({ lo: -30, hi: 1 });
});

test("a Date header 2 h off the stamps is not the contacts' clock: ignored from then on, the stamps alone decide", () => {
  const clock = new ServerClock();
  clock.stamp(10_000, 10_040, iso(10_000));
  clock.sample(10_020, 10_030, httpDate(10_000 - 7_200_000));
  expect(clock.dateIgnored).toBe(true);
  expect(clock.offset).toEqual({ lo: -40, hi: 1, samples: 1 });
  // A later Date header that would fit is not taken either: that header is another clock.
  clock.sample(20_020, 20_030, httpDate(20_000));
  expect(clock.offset).toEqual({ lo: -40, hi: 1, samples: 1 });
});

test('a stamp that does not fit what is known (a clock stepped) starts the estimate again', () => {
  const clock = new ServerClock();
  clock.stamp(10_000, 10_010, iso(10_005));
  clock.stamp(20_000, 20_010, iso(80_005)); // the server is suddenly a minute ahead
  expect(clock.offset).toEqual({ lo: 80_005 - 20_010, hi: 80_006 - 20_000, samples: 1 });
});

test('a calibration from an earlier run seeds the clock; the first stamp is announced once', () => {
  const clock = new ServerClock();
  const announced: unknown[] = [];
  clock.onFirstStamp = (i) => announced.push(i);
  clock.seed({ lo: -5, hi: 5 });
  expect(clock.offset).toEqual({ lo: -5, hi: 5, samples: 1 });
  const fresh = new ServerClock();
  fresh.onFirstStamp = (i) => announced.push(i);
  fresh.stamp(0, 10, iso(5));
  fresh.stamp(100, 110, iso(105));
  expect(announced).toEqual([{ lo: -5, hi: 6, samples: 1 }]);
});

test('whenCalibrated waits for the first stamp, or gives up after its time', async () => {
  const clock = new ServerClock();
  const waiting = clock.whenCalibrated(10_000);
  clock.stamp(0, 10, iso(5));
  await waiting;
  expect(clock.offset).toBeDefined();
  const never = new ServerClock();
  const t0 = Date.now();
  await never.whenCalibrated(20);
  expect(never.offset).toBeUndefined();
  expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
});
