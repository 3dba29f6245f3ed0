import { endedWell } from '../../src/monitor/outcome.js';
import { lastSuccessIn, metricsText } from '../../src/monitor/metrics.js';
import type { Summary } from '../../src/report/summary.js';

const summary = (counts: Partial<Summary['counts']>, exitCode = 0) =>
  ({
    mode: 'import',
    input: 'in.csv',
    stateDir: '/srv/state "a"',
    durationMs: 1500,
    exitCode,
    counts: {
      read: 0,
      valid: 0,
      created: 0,
      restored: 0,
      updated: 0,
      adopted: 0,
      unchanged: 0,
      existing: 0,
      changed: 0,
      review: 0,
      skipped: 0,
      duplicate: 0,
      failed: 0,
      tripped: 0,
      notSent: 0,
      inDoubt: 0,
      ignored: 0,
      ...counts,
    },
    requests: { requests: 12, creates: 10, rateLimited: 2 },
  }) as unknown as Summary;

test('ended well: exit 0, or exit 4 with records handled; anything else is not', () => {
  expect(endedWell({ exitCode: 0 })).toBe(true);
  expect(endedWell({ exitCode: 4, summary: summary({ read: 10, created: 5, notSent: 5 }, 4) })).toBe(true);
  expect(endedWell({ exitCode: 4, summary: summary({ read: 10, notSent: 10 }, 4) })).toBe(false);
  for (const code of [1, 2, 3, 70]) expect(endedWell({ exitCode: code })).toBe(false);
});

/** The samples of a Prometheus text file, name{labels} → value, as a scraper reads them. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    expect(m).not.toBeNull();
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return out;
}

test('the metrics text parses back: records by bucket, requests and 429s, exit code; the last success is kept through a failed run', () => {
  const t0 = new Date('2026-12-07T01:00:00Z');
  const good = metricsText(
    { exitCode: 0, summary: summary({ read: 10, created: 9, failed: 1 }), next: [], warnings: [] },
    t0,
    undefined,
  );
  const s = samples(good);
  const job = 'state_dir="/srv/state \\"a\\""';
  expect(s.get(`openphone_import_records{${job},bucket="created"}`)).toBe(9);
  expect(s.get(`openphone_import_records{${job},bucket="failed"}`)).toBe(1);
  expect(s.get(`openphone_import_requests{${job},kind="rateLimited"}`)).toBe(2);
  expect(s.get(`openphone_import_duration_seconds{${job}}`)).toBe(1.5);
  expect(s.get(`openphone_import_exit_code{${job}}`)).toBe(0);
  expect(lastSuccessIn(good)).toBe(t0.getTime() / 1000);
  // Every sample has a HELP and a TYPE line.
  for (const name of new Set([...s.keys()].map((k) => k.replace(/\{.*$/, ''))))
    expect(good).toContain(`# TYPE ${name} gauge`);
  const t1 = new Date('2026-12-08T01:00:00Z');
  const bad = metricsText(
    { exitCode: 3, error: { code: 'AUTH', message: 'refused' }, next: [], warnings: [] },
    t1,
    lastSuccessIn(good),
  );
  expect(samples(bad).get('openphone_import_exit_code{state_dir=""}')).toBe(3);
  expect(lastSuccessIn(bad)).toBe(t0.getTime() / 1000);
  expect(samples(bad).get('openphone_import_last_run_timestamp_seconds{state_dir=""}')).toBe(t1.getTime() / 1000);
});
