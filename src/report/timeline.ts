/** One span of the run: what was sent in it and what came back. */
export interface TimelinePoint {
  /** Seconds since the run started, at the span's end. */
  readonly t: number;
  readonly requests: number;
  readonly created: number;
  readonly rateLimited: number;
  readonly retries: number;
}

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
    this.points.push({
      t,
      requests: totals.requests - this.last.requests,
      created: totals.created - this.last.created,
      rateLimited: totals.rateLimited - this.last.rateLimited,
      retries: totals.retries - this.last.retries,
    });
    this.last = { ...totals };
    if (this.points.length > this.max) this.merge();
  }

  private merge(): void {
    const merged: typeof this.points = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i]!;
      const b = this.points[i + 1];
      merged.push(b ? { t: b.t, requests: a.requests + b.requests, created: a.created + b.created, rateLimited: a.rateLimited + b.rateLimited, retries: a.retries + b.retries } : a);
    }
    this.points = merged;
  }

  toJSON(): TimelinePoint[] {
    return this.points.map((p) => ({ ...p, t: Math.round(p.t * 10) / 10 }));
  }
}
