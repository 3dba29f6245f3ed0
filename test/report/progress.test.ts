import { describeProgress, progressPrinter, type ProgressSnapshot } from '../../src/report/progress.js';
import { parseDuration } from '../../src/util/duration.js';

const snap: ProgressSnapshot = {
  done: 250,
  total: 1000,
  created: 200,
  updated: 4,
  unchanged: 30,
  failed: 15,
  duplicate: 5,
  retries: 3,
  rateLimited: 1,
  requests: 240,
  elapsedMs: 25_000,
};

test('a progress line: done of total, rate, ETA, buckets', () => {
  expect(describeProgress(snap)).toBe(
    '250/1000 (25%) records, 10.0/s, ETA 1m15s · created 200, updated 4, unchanged 30, failed 15, duplicate 5, retries 3, 429s 1',
  );
  expect(describeProgress({ ...snap, total: undefined })).toMatch(/^250 records, 10\.0\/s · /);
});

test('off a terminal: one line per interval, none at the end (the summary follows)', () => {
  const out: string[] = [];
  let t = 0;
  const sink = progressPrinter(
    'lines',
    30_000,
    (s) => out.push(s),
    () => t,
  );
  for (t = 1000; t <= 95_000; t += 1000) sink(snap, false);
  sink(snap, true);
  expect(out).toHaveLength(3);
  expect(out[0]).toMatch(/^progress: 250\/1000/);
});

test('JSON lines for log collectors, with a final event', () => {
  const out: string[] = [];
  let t = 0;
  const sink = progressPrinter(
    'json',
    30_000,
    (s) => out.push(s),
    () => t,
  );
  t = 31_000;
  sink(snap, false);
  sink(snap, true);
  expect(out.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ level: 'info', event: 'progress', done: 250, total: 1000 }),
    expect.objectContaining({ event: 'progress' }),
  ]);
});

test('on a terminal: a live line rewritten in place, cleared at the end; quiet prints nothing', () => {
  const out: string[] = [];
  const sink = progressPrinter('tty', 30_000, (s) => out.push(s));
  sink(snap, false);
  sink(snap, true);
  expect(out).toEqual([`\r\x1b[K${describeProgress(snap, 80)}`, '\r\x1b[K']);
  const quiet: string[] = [];
  progressPrinter('quiet', 0, (s) => quiet.push(s))(snap, false);
  expect(quiet).toEqual([]);
});

test('durations for --max-duration and --progress-interval', () => {
  expect(parseDuration('50m', '--max-duration')).toBe(3_000_000);
  expect(parseDuration('1h30m', '--max-duration')).toBe(5_400_000);
  expect(parseDuration('90s', '--x')).toBe(90_000);
  expect(parseDuration('250ms', '--x')).toBe(250);
  for (const bad of ['50', 'soon', '5 minutes', '1h 30x']) {
    expect(() => parseDuration(bad, '--max-duration')).toThrow(
      expect.objectContaining({
        code: 'DURATION_INVALID',
        message: expect.stringMatching(/^--max-duration: found .*: expected a duration$/),
        hint: 'write it as 50m, 2h, 90s, 1h30m or 500ms',
      }),
    );
  }
});

test('the rate and ETA count the records sent in this run, not those skipped as done by a resume', () => {
  // 900 skipped in the first seconds, 100 sent in 10 s: 10/s, and 9000 left take 15 minutes.
  const resumed: ProgressSnapshot = {
    ...snap,
    done: 1000,
    total: 10_000,
    sent: 100,
    unchanged: 900,
    elapsedMs: 10_000,
  };
  expect(describeProgress(resumed)).toMatch(/^1000\/10000 \(10%\) records, 10\.0\/s, ETA 15m00s · /);
});

test('on a terminal the line is cut to its width and never wraps', () => {
  const out: string[] = [];
  progressPrinter(
    'tty',
    0,
    (s) => out.push(s),
    () => 0,
    () => 60,
  )(snap, false);
  const shown = out[0]!.replace('\r\x1b[K', '');
  expect(shown.length).toBeLessThan(60);
  expect(shown.endsWith('…')).toBe(true);
});
