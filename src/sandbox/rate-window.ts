/**
 * The server side of the rate limit: at most `limit` requests accepted per key
 * in any rolling window of `windowMs`. Keeps the accepted arrival times of the
 * last window per key (a ring of at most `limit` entries).
 */
export class RollingWindowLimiter {
  private readonly accepted = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {}

  /** Accepts (and records) a request at `now`, or says how long until one would be accepted. */
  tryAccept(
    key: string,
    now: number,
  ): { kind: 'accepted'; remaining: number } | { kind: 'refused'; retryInMs: number } {
    if (this.limit <= 0) return { kind: 'accepted', remaining: Number.MAX_SAFE_INTEGER };
    let times = this.accepted.get(key);
    if (times === undefined) {
      times = [];
      this.accepted.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) return { kind: 'refused', retryInMs: times[0]! + this.windowMs - now };
    times.push(now);
    return { kind: 'accepted', remaining: this.limit - times.length };
  }

  /** How many more requests `key` may make now, without recording one. */
  remaining(key: string, now: number): number {
    const times = this.accepted.get(key) ?? [];
    return Math.max(0, this.limit - times.filter((t) => t > now - this.windowMs).length);
  }
}

/** The most requests that fall in any rolling window of `windowMs` (for tests and benchmarks). */
export function maxInAnyWindow(sortedTimes: readonly number[], windowMs = 1000): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sortedTimes.length; end++) {
    while (sortedTimes[end]! - sortedTimes[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
