/**
 * One limiter shared by every request the job makes (creates and lookups): at
 * most `rate` request starts in any rolling window. A little margin is added to
 * the window so that a server measuring arrival times, not start times, never
 * counts one request too many; it costs about 2% of the rate.
 *
 * After a 429 every sender pauses, and the rate is halved, then restored one
 * step for each window that passes without a 429.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (its timer is then cleared). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export class RateLimiter {
  /**
   * The requests of the current window: when each left. One granted but not
   * yet reported sent counts as leaving now, for as long as it has not: under
   * load, the grant and the write can be far apart, and the next grants must
   * not be reckoned from a time the request did not leave at.
   */
  private readonly starts: { t: number; sent: boolean }[] = [];
  private currentRate: number;
  private pausedUntil = 0;
  private lastStepUp = 0;
  private chain: Promise<void> = Promise.resolve();

  /** Requests per window, and the window they are counted in. */
  readonly rate: number;
  readonly windowMs: number;

  /**
   * `requestsPerSecond` may be below 1 or fractional: it becomes a whole number
   * of requests per window, the window stretched to match (0.2/s is one request
   * every 5 s, 2.5/s two every 0.8 s), plus the margin.
   */
  constructor(
    requestsPerSecond: number,
    private readonly clock: Clock = realClock,
    secondMs = 1025,
  ) {
    this.rate = Math.max(1, Math.floor(requestsPerSecond));
    this.windowMs = (secondMs * this.rate) / requestsPerSecond;
    this.currentRate = this.rate;
  }

  get effectiveRate(): number {
    return this.currentRate;
  }

  /**
   * Resolves when the caller may start one request; callers are served in
   * order. The function it resolves to must be called when the request has
   * really left, or when it will not be sent after all (calling it again is
   * harmless): the request counts from then, so the ones after it keep their
   * distance as the server sees it.
   */
  acquire(): Promise<() => void> {
    const turn = this.chain.then(() => this.waitForSlot());
    this.chain = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }

  /** A 429 was received: everyone waits `pauseMs`, and the rate drops by half. */
  onRateLimited(pauseMs: number): void {
    const now = this.clock.now();
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    this.currentRate = Math.max(1, Math.floor(this.currentRate / 2));
    this.lastStepUp = this.pausedUntil;
  }

  private async waitForSlot(): Promise<() => void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      this.maybeStepUp(now);
      for (let i = this.starts.length - 1; i >= 0; i--)
        if (this.starts[i]!.sent && this.starts[i]!.t <= now - this.windowMs) this.starts.splice(i, 1);
      if (this.starts.length < this.currentRate) {
        const slot = { t: now, sent: false };
        this.starts.push(slot);
        return () => {
          if (slot.sent) return;
          slot.t = Math.max(slot.t, this.clock.now());
          slot.sent = true;
        };
      }
      // The window has room again when enough of its oldest starts have left it
      // (one not yet sent is taken as leaving now; the wait is then re-checked).
      const times = this.starts.map((s) => (s.sent ? s.t : now)).sort((a, b) => a - b);
      const freeAt = times[times.length - this.currentRate]! + this.windowMs;
      await this.clock.sleep(Math.max(1, freeAt - now));
    }
  }

  private maybeStepUp(now: number): void {
    if (this.currentRate >= this.rate) return;
    const steps = Math.floor((now - this.lastStepUp) / this.windowMs);
    if (steps <= 0) return;
    this.currentRate = Math.min(this.rate, this.currentRate + Math.max(1, Math.ceil(this.rate / 10)) * steps);
    this.lastStepUp = now;
  }
}
