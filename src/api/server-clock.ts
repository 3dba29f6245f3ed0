/** The error an ownership proof accepts as it stands (ms): wider, the estimate is sharpened first (ApiClient.sharpenClock). */
export const SHARP_MS = 50;

/**
 * The server's clock as seen from here, from the `Date` header of answers.
 *
 * A `Date` header has one-second resolution, so one answer only says that the
 * offset (server time − local time) lies in an interval: the server stamped it
 * at some local moment between the request leaving (`sentAt`) and its answer
 * arriving (`receivedAt`), at a server time in [D, D + 1 s). Every answer
 * narrows the interval; the true offset is inside it for as long as neither
 * clock is stepped. Answers whose interval does not meet the one kept (a
 * clock stepped) restart the estimate from that answer.
 */
export class ServerClock {
  private lo = -Infinity;
  private hi = Infinity;
  private samples = 0;

  /** One answer: local wall times (epoch ms) around it, and its Date header. */
  sample(sentAt: number, receivedAt: number, dateHeader: string | undefined): void {
    if (dateHeader === undefined) return;
    const server = Date.parse(dateHeader);
    if (!Number.isFinite(server) || receivedAt < sentAt) return;
    const lo = server - receivedAt;
    const hi = server + 1000 - sentAt;
    if (lo > this.hi || hi < this.lo) {
      this.lo = lo;
      this.hi = hi;
      this.samples = 1;
      return;
    }
    this.lo = Math.max(this.lo, lo);
    this.hi = Math.min(this.hi, hi);
    this.samples++;
  }

  /** The interval the offset lies in (ms), or undefined before any answer carried a Date header. */
  get offset(): { readonly lo: number; readonly hi: number; readonly samples: number } | undefined {
    return this.samples === 0 ? undefined : { lo: this.lo, hi: this.hi, samples: this.samples };
  }
}
