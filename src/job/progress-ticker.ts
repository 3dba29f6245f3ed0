import type { InputTable } from '../input/table.js';
import type { Counts } from './counts.js';
import type { ProgressSink } from '../report/progress.js';
import type { RequestStats } from '../api/request-stats.js';
import type { Timeline } from '../report/timeline.js';

/**
 * The progress line and report.html's timeline: about once a second, and once more at the end. The
 * total is estimated from how far into the file the reading is (no second
 * pass over the input to count its lines).
 */
export function startProgress(
  progress: ProgressSink | undefined,
  table: InputTable,
  counts: Counts,
  stats: RequestStats,
  timeline?: Timeline,
): { stop(): void } {
  const startedAt = Date.now();
  const totals = () => ({
    requests: stats.requests,
    created: counts.buckets.created,
    rateLimited: stats.rateLimited,
    retries: stats.retries,
  });
  const report = (final: boolean) => {
    timeline?.sample((Date.now() - startedAt) / 1000, totals());
    if (progress === undefined) return;
    const estimate = table.estimatedRecords();
    const total = final ? counts.read : estimate === undefined ? undefined : Math.max(counts.read, estimate);
    progress(
      {
        done: counts.accounted,
        sent: counts.sent,
        ...(total !== undefined && { total }),
        created: counts.buckets.created,
        updated: counts.buckets.updated + counts.buckets.adopted,
        unchanged: counts.buckets.unchanged,
        failed: counts.buckets.failed,
        duplicate: counts.buckets.duplicate,
        retries: stats.retries,
        rateLimited: stats.rateLimited,
        requests: stats.requests,
        elapsedMs: Date.now() - startedAt,
      },
      final,
    );
  };
  // The chart starts at zero, so even a run shorter than a second has a line.
  timeline?.sample(0, totals());
  const ticker = setInterval(() => report(false), 1000);
  ticker.unref();
  return {
    stop: () => {
      clearInterval(ticker);
      report(true);
    },
  };
}
