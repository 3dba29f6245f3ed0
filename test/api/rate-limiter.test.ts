import { RateLimiter, type Clock } from '../../src/api/rate-limiter.js';
import { maxInAnyWindow } from '../../src/sandbox/rate-window.js';

/** A clock that only moves when someone sleeps: the limiter's timing, without waiting. */
function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

test('never more than `rate` starts in any rolling window, and as many as that', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(10, clock, 1025);
  const starts: number[] = [];
  for (let i = 0; i < 200; i++) {
    (await limiter.acquire())();
    starts.push(clock.t);
  }
  expect(maxInAnyWindow(starts, 1025)).toBe(10);
  // 200 starts at 10 per 1.025 s: 19 full windows.
  expect(starts[199]).toBe(19 * 1025);
});

test('concurrent callers are served in order and still within the rate', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(5, clock, 1000);
  const starts: number[] = [];
  const served: number[] = [];
  await Promise.all(
    Array.from({ length: 23 }, async (_, caller) => {
      (await limiter.acquire())();
      served.push(caller);
      starts.push(clock.t);
    }),
  );
  expect(served).toEqual(Array.from({ length: 23 }, (_, i) => i));
  expect(starts).toHaveLength(23);
  expect(maxInAnyWindow(starts, 1000)).toBeLessThanOrEqual(5);
});

test('a 429 pauses everyone, halves the rate, then restores it step by step', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(10, clock, 1000);
  for (let i = 0; i < 10; i++) (await limiter.acquire())();
  limiter.onRateLimited(3000);
  expect(limiter.effectiveRate).toBe(5);
  const t0 = clock.t;
  (await limiter.acquire())();
  expect(clock.t - t0).toBeGreaterThanOrEqual(3000);
  for (let i = 0; i < 100; i++) (await limiter.acquire())();
  expect(limiter.effectiveRate).toBe(10);
});

test('the rate never drops below one a window', () => {
  const limiter = new RateLimiter(3, fakeClock());
  for (let i = 0; i < 5; i++) limiter.onRateLimited(10);
  expect(limiter.effectiveRate).toBe(1);
});

test('a request granted but not yet sent holds its place until it is: the next ones count from when it left', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(1, clock, 1000);
  const a = await limiter.acquire();
  // The request is held up for 700 ms before it really leaves.
  const next = limiter.acquire();
  clock.t += 700;
  a();
  (await next)();
  // Not at 1000 (a's grant + window) but at 1700 (a's departure + window).
  expect(clock.t).toBe(1700);
});

test.each([
  [0.2, 1, 5000],
  [2.5, 2, 800],
  [0.5, 1, 2000],
])('a rate of %s/s: %s request(s) every %s ms, not a polling loop', async (perSecond, count, windowMs) => {
  const clock = fakeClock();
  let sleeps = 0;
  const counting = {
    ...clock,
    now: clock.now,
    sleep: async (ms: number) => {
      sleeps++;
      await clock.sleep(ms);
    },
  };
  const limiter = new RateLimiter(perSecond, counting, 1000);
  const starts: number[] = [];
  for (let i = 0; i < 4 * count; i++) {
    (await limiter.acquire())();
    starts.push(clock.t);
  }
  expect(maxInAnyWindow(starts, windowMs)).toBe(count);
  expect(starts[starts.length - 1]).toBeCloseTo(3 * windowMs, 6);
  // One wait per window, not a 1 ms loop.
  expect(sleeps).toBeLessThanOrEqual(3 * 2);
});
