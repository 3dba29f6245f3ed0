/** The error an ownership proof accepts as it stands (ms): wider, the estimate is sharpened first (ApiClient.sharpenClock). */
export const SHARP_MS = 50;

/** What is known of an offset (server time − local time, ms): it lies in [lo, hi]. */
export interface OffsetInterval {
  readonly lo: number;
  readonly hi: number;
  readonly samples: number;
}

/**
 * An interval that every sample narrows; a sample that does not meet it (a
 * clock stepped) restarts the estimate from that sample.
 */
class Narrowing {
  lo = -Infinity;
  hi = Infinity;
  samples = 0;

  add(lo: number, hi: number): void {
    if (this.samples === 0 || lo > this.hi || hi < this.lo) {
      this.lo = lo;
      this.hi = hi;
      this.samples = 1;
      return;
    }
    this.lo = Math.max(this.lo, lo);
    this.hi = Math.min(this.hi, hi);
    this.samples++;
  }

  get interval(): OffsetInterval | undefined {
    return this.samples === 0 ? undefined : { lo: this.lo, hi: this.hi, samples: this.samples };
  }
}

/**
 * The clock that stamps contacts' `createdAt`, as seen from here.
 *
 * Ownership proofs compare a contact's `createdAt` with when the job's attempt
 * left, so they need the offset of *that* clock. The job's own writes measure
 * it: a 201 carries the new contact's `createdAt` (a PATCH's 200 its
 * `updatedAt`), stamped by the server at some local moment between the request
 * leaving and its answer arriving, so the offset lies in
 * [stamp − receivedAt, stamp + 1 ms − sentAt]. This needs no `Date` header.
 *
 * `Date` headers are another clock: a gateway may write them, hours off (seen:
 * 2 h behind), or leave them out. They are used only to narrow the stamps'
 * interval further, and only while they agree with it; a `Date` that disagrees
 * is not that clock and is ignored for good. Without a stamp the clock is
 * uncalibrated (`offset` undefined): nothing is proven by it.
 */
export class ServerClock {
  private readonly stamps = new Narrowing();
  private readonly dates = new Narrowing();
  private datesDisagree = false;
  private waiters: (() => void)[] = [];
  /** Called once, at the first stamp: the import journals the calibration then (a kill later keeps it). */
  onFirstStamp: ((interval: OffsetInterval) => void) | undefined;

  /** One answer's `Date` header, with the local wall times (epoch ms) around it. */
  sample(sentAt: number, receivedAt: number, dateHeader: string | undefined): void {
    if (dateHeader === undefined || this.datesDisagree) return;
    const server = Date.parse(dateHeader);
    if (!Number.isFinite(server) || receivedAt < sentAt) return;
    // A Date header has one-second resolution: the server's time was in [D, D + 1 s).
    this.dates.add(server - receivedAt, server + 1000 - sentAt);
    this.checkAgreement();
  }

  /** A contact's createdAt (or updatedAt) stamped by a write of the job's, with the local wall times around it. */
  stamp(sentAt: number, receivedAt: number, stampIso: string): void {
    const server = Date.parse(stampIso);
    if (!Number.isFinite(server) || receivedAt < sentAt) return;
    const first = this.stamps.samples === 0;
    this.stamps.add(server - receivedAt, server + 1 - sentAt);
    this.checkAgreement();
    if (first) this.onFirstStamp?.(this.stamps.interval!);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** A calibration an earlier run of the job measured (the journal keeps it): the same as its stamps. */
  seed(interval: { readonly lo: number; readonly hi: number }): void {
    this.stamps.add(interval.lo, interval.hi);
    this.checkAgreement();
  }

  private checkAgreement(): void {
    const s = this.stamps.interval;
    const d = this.dates.interval;
    if (s !== undefined && d !== undefined && (d.lo > s.hi || d.hi < s.lo)) this.datesDisagree = true;
  }

  /** True once a `Date` header was found to disagree with the contacts' own clock: it is not used again. */
  get dateIgnored(): boolean {
    return this.datesDisagree;
  }

  /** Whether the Date headers can narrow the estimate (they exist and agree with the stamps). */
  get datesUsable(): boolean {
    return !this.datesDisagree && this.dates.interval !== undefined && this.stamps.interval !== undefined;
  }

  /** The contacts' clock's offset, or undefined before any write of the job's was answered with its stamp. */
  get offset(): OffsetInterval | undefined {
    const s = this.stamps.interval;
    if (s === undefined) return undefined;
    const d = this.dates.interval;
    if (this.datesDisagree || d === undefined) return s;
    return { lo: Math.max(s.lo, d.lo), hi: Math.min(s.hi, d.hi), samples: s.samples + d.samples };
  }

  /** The stamps' own interval, as the journal keeps it for the next run. */
  get calibration(): OffsetInterval | undefined {
    return this.stamps.interval;
  }

  /** Resolves once the clock is calibrated, or after `ms`, or when `signal` aborts. */
  whenCalibrated(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.stamps.interval !== undefined || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      // Not unref'd: a run awaiting it has nothing else to keep it alive.
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
