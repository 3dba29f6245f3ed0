import { Counts } from '../../src/job/counts.js';
import { buildSummary } from '../../src/job/run-summary.js';
import { formatSummary, runFacts } from '../../src/report/summary.js';

const summaryOf = (durationMs: number) => {
  const counts = new Counts();
  const start = new Date(0);
  return buildSummary(
    {
      ...runFacts('import', 'in.csv', 'c.json', 'state', start, new Date(durationMs)),
      exitCode: 0,
      requests: { requests: 7, lookups: 0, retries: 0, rateLimited: 0 },
      achievedRate: 7 / (durationMs / 1000),
    },
    counts,
  );
};

test('the requests per second are printed only over a run long enough to mean something', () => {
  expect(formatSummary(summaryOf(110))).toMatch(/requests 7, lookups 0/);
  expect(formatSummary(summaryOf(110))).not.toMatch(/\/s\)/);
  expect(formatSummary(summaryOf(70_000))).toMatch(/requests 7 \(0\.1\/s\), lookups 0/);
});
