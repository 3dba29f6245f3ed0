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
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RateLimiter {
  private readonly starts: number[] = [];
  private currentRate: number;
  private pausedUntil = 0;
  private lastStepUp = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Starts granted, for the summary. */
  granted = 0;

  constructor(
    readonly rate: number,
    private readonly clock: Clock = realClock,
    readonly windowMs = 1025,
  ) {
    this.currentRate = rate;
  }

  get effectiveRate(): number {
    return this.currentRate;
  }

  /** Resolves when the caller may start one request. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.chain.then(() => this.waitForSlot());
    this.chain = turn.catch(() => {});
    return turn;
  }

  /** A 429 was received: everyone waits `pauseMs`, and the rate drops by half. */
  onRateLimited(pauseMs: number): void {
    const now = this.clock.now();
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    this.currentRate = Math.max(1, Math.floor(this.currentRate / 2));
    this.lastStepUp = this.pausedUntil;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      this.maybeStepUp(now);
      while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.currentRate) {
        this.starts.push(now);
        this.granted++;
        return;
      }
      // The oldest start leaves the window at starts[length - rate] + window.
      const freeAt = this.starts[this.starts.length - this.currentRate]! + this.windowMs;
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
