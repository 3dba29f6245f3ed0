/** One span of the run: what was sent in it and what came back. */
export interface TimelinePoint {
  /** Seconds since the run started, at the span's end. */
  readonly t: number;
  readonly requests: number;
  readonly created: number;
  readonly rateLimited: number;
  readonly retries: number;
}

/** The shortest span the chart shows on its own (seconds). */
const MIN_SPAN_S = 0.5;

/**
 * The send rate over time for report.html, sampled about once a second and
 * kept to at most `max` points however long the run (a 28-hour import): when
 * full, neighbouring spans are merged, so the chart covers the whole run at a
 * coarser grain.
 */
export class Timeline {
  private points: { t: number; requests: number; created: number; rateLimited: number; retries: number }[] = [];
  private last = { requests: 0, created: 0, rateLimited: 0, retries: 0 };

  constructor(private readonly max = 400) {}

  /** Cumulative totals at `t` seconds; stored as the increase since the last sample (the first sample is the zero line's start). */
  sample(t: number, totals: { requests: number; created: number; rateLimited: number; retries: number }): void {
    if (this.points.length === 0) {
      this.points.push({ t, requests: 0, created: 0, rateLimited: 0, retries: 0 });
      this.last = { ...totals };
      return;
    }
    const span = {
      t,
      requests: totals.requests - this.last.requests,
      created: totals.created - this.last.created,
      rateLimited: totals.rateLimited - this.last.rateLimited,
      retries: totals.retries - this.last.retries,
    };
    this.last = { ...totals };
    const prev = this.points[this.points.length - 1]!;
    // A span much shorter than a second (the final sample, just after the last tick) would chart its
    // few requests as a spike of tens a second: it joins the span before it, which then ends later.
    if (this.points.length > 1 && t - prev.t < MIN_SPAN_S) {
      this.points[this.points.length - 1] = {
        t,
        requests: prev.requests + span.requests,
        created: prev.created + span.created,
        rateLimited: prev.rateLimited + span.rateLimited,
        retries: prev.retries + span.retries,
      };
      return;
    }
    this.points.push(span);
    if (this.points.length > this.max) this.merge();
  }

  private merge(): void {
    const merged: typeof this.points = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i]!;
      const b = this.points[i + 1];
      merged.push(
        b
          ? {
              t: b.t,
              requests: a.requests + b.requests,
              created: a.created + b.created,
              rateLimited: a.rateLimited + b.rateLimited,
              retries: a.retries + b.retries,
            }
          : a,
      );
    }
    this.points = merged;
  }

  toJSON(): TimelinePoint[] {
    return this.points.map((p) => ({ ...p, t: Math.round(p.t * 10) / 10 }));
  }
}
