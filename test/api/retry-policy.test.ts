import { decideRetry, rateLimitPauseMs } from '../../src/api/retry-policy.js';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

test('full jitter: the delay is uniform below min(cap, base * 2^(attempt-1))', () => {
  expect(decideRetry(policy, 1, () => 0.999)).toEqual({ retry: true, delayMs: 99 });
  expect(decideRetry(policy, 2, () => 0.5)).toEqual({ retry: true, delayMs: 100 });
  expect(decideRetry(policy, 3, () => 0.999)).toEqual({ retry: true, delayMs: 299 });
  expect(decideRetry(policy, 1, () => 0)).toEqual({ retry: true, delayMs: 0 });
});

test('no retry after the last attempt', () => {
  expect(decideRetry(policy, 4, () => 0.5)).toEqual({ retry: false });
  expect(decideRetry({ ...policy, attempts: 1 }, 1, () => 0.5)).toEqual({ retry: false });
});

test('the cap holds however many attempts', () => {
  for (let a = 1; a < 60; a++) {
    const d = decideRetry({ attempts: 100, baseDelayMs: 500, maxDelayMs: 30_000 }, a, () => 0.999999);
    expect(d.retry && d.delayMs).toBeLessThanOrEqual(30_000);
  }
});

describe('pause after a 429', () => {
  test('Retry-After in seconds is obeyed', () => expect(rateLimitPauseMs({ retryAfter: '2' }, 1, () => 0)).toBe(2000));
  test('Retry-After is capped (an unbounded header could stall the job for hours)', () =>
    expect(rateLimitPauseMs({ retryAfter: '86400' }, 1, () => 0)).toBe(60_000));
  test('Retry-After as an HTTP date', () => {
    const ms = rateLimitPauseMs({ retryAfter: new Date(Date.now() + 3000).toUTCString() }, 1, () => 0);
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThanOrEqual(3000);
  });
  test('else the ratelimit header reset time', () =>
    expect(rateLimitPauseMs({ ratelimit: '"per-second"; r=0; t=1' }, 1, () => 0)).toBe(1000));
  test('else exponential backoff with jitter, growing with consecutive 429s', () => {
    expect(rateLimitPauseMs({}, 1, () => 0)).toBe(250);
    expect(rateLimitPauseMs({}, 1, () => 1)).toBe(1250);
    expect(rateLimitPauseMs({}, 3, () => 1)).toBe(4250);
    expect(rateLimitPauseMs({}, 50, () => 1)).toBe(60_000);
  });
});
