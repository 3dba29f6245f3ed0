/**
 * The retry decision as one pure function (after got's design): given the
 * attempt that just failed and why, how long to wait before the next one, or
 * give up. Capped exponential backoff with full jitter: delay is uniform in
 * [0, min(cap, base * 2^(attempt-1))], so concurrent senders do not retry in step.
 */
export interface RetryPolicy {
  /** Total attempts per record, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false };

export function decideRetry(policy: RetryPolicy, attempt: number, random: () => number): RetryDecision {
  if (attempt >= policy.attempts) return { retry: false };
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.floor(random() * ceiling) };
}

/**
 * How long every sender pauses after a 429: Retry-After when the server sends it
 * (capped, since an unbounded header could stall a job for hours), else the
 * `ratelimit` header's reset time, else exponential backoff with full jitter.
 */
export function rateLimitPauseMs(
  headers: { retryAfter?: string; ratelimit?: string },
  consecutive429s: number,
  random: () => number,
  capMs = 60_000,
): number {
  const retryAfter = headers.retryAfter?.trim();
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(capMs, Math.ceil(seconds * 1000));
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.min(capMs, Math.max(0, date - Date.now()));
  }
  const reset = /(?:^|;)\s*t=(\d+(?:\.\d+)?)/.exec(headers.ratelimit ?? '');
  if (reset) return Math.min(capMs, Math.max(100, Math.ceil(Number(reset[1]) * 1000)));
  return Math.min(capMs, Math.floor(250 + random() * 500 * 2 ** Math.min(consecutive429s, 8)));
}
