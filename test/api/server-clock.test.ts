import { ServerClock } from '../../src/api/server-clock.js';

const httpDate = (ms: number) => new Date(ms).toUTCString();

test('one answer bounds the offset to its second and its round trip', () => {
  const clock = new ServerClock();
  // Local 10.300 s → 10.340 s; the server said 12 s (it is 2 s ahead, give or take).
  clock.sample(10_300, 10_340, httpDate(12_000));
  expect(clock.offset).toEqual({ lo: 12_000 - 10_340, hi: 13_000 - 10_300, samples: 1 });
});

test('answers at different moments narrow the interval, and it always holds the true offset', () => {
  const trueOffset = 1_234;
  const clock = new ServerClock();
  for (let local = 50_000; local < 60_000; local += 137) {
    const server = local + 3 + trueOffset; // stamped 3 ms after the request left
    clock.sample(local, local + 6, httpDate(Math.floor(server / 1000) * 1000));
  }
  const o = clock.offset!;
  expect(o.lo).toBeLessThanOrEqual(trueOffset);
  expect(o.hi).toBeGreaterThanOrEqual(trueOffset);
  // 73 answers spread over the second: within a few round trips, not a second.
  expect(o.hi - o.lo).toBeLessThan(150);
});

test('no Date header, or one that is not a date: nothing learnt', () => {
  const clock = new ServerClock();
  clock.sample(1, 2, undefined);
  clock.sample(1, 2, 'yesterday-ish');
  expect(clock.offset).toBeUndefined();
});

test('an answer that does not fit what is known (a clock stepped) starts the estimate again', () => {
  const clock = new ServerClock();
  clock.sample(10_000, 10_010, httpDate(10_000));
  clock.sample(20_000, 20_010, httpDate(80_000)); // the server is suddenly a minute ahead
  expect(clock.offset).toEqual({ lo: 80_000 - 20_010, hi: 81_000 - 20_000, samples: 1 });
});
