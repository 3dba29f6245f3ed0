import { Counts } from '../../src/job/counts.js';
import { buildSummary } from '../../src/job/run-summary.js';
import { renderReport } from '../../src/report/html-report.js';
import { html } from '../../src/report/html.js';
import { runFacts } from '../../src/report/summary.js';

test('the html tag escapes every value it is given, and only markup it made itself passes as markup', () => {
  const cell = '<script>alert("x")</script>';
  expect(html`<td>${cell}</td>`.text).toBe('<td>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</td>');
  expect(html`<ul>${[html`<li>${'a&b'}</li>`, html`<li>${2}</li>`]}</ul>`.text).toBe(
    '<ul><li>a&#38;b</li><li>2</li></ul>',
  );
  expect(html`${undefined}${false}${null}`.text).toBe('');
});

test('report.html: a hostile cell, file name or message comes out inert', () => {
  const counts = new Counts();
  counts.read = 1;
  counts.add('failed', ['EMAIL_INVALID']);
  counts.digest.add('failed', [
    {
      code: 'EMAIL_INVALID',
      line: 2,
      column: '<img src=x onerror=alert(1)>',
      value: '<script>alert(1)</script>',
      message: 'expected "an email" & <b>more</b>',
    },
  ]);
  const s = buildSummary(
    {
      ...runFacts('import', '/tmp/<script>.csv', 'c.json', 'state', new Date(0), new Date(1000)),
      exitCode: 1,
      stoppedEarly: '</p><script>x</script>',
    },
    counts,
  );
  const page = renderReport(s, [
    { pid: 1, startedAt: 'then', input: '"><script>y</script>', counts: { created: 0, failed: 1 } },
  ]);
  expect(page).not.toMatch(/<script|<img|<b>/i);
  expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
});

test("report.html covers the whole job: each run's buckets, and what the job made, updated and adopted over its runs", () => {
  const counts = new Counts();
  const s = buildSummary(
    { ...runFacts('import', 'in.csv', 'c.json', 'state', new Date(0), new Date(1000)), exitCode: 0 },
    counts,
  );
  const page = renderReport(s, [
    { pid: 1, startedAt: 'first', endedAt: 'x', exitCode: 4, counts: { read: 10, created: 10 } },
    { pid: 2, startedAt: 'killed' },
    {
      pid: 3,
      startedAt: '2026-12-07T01:00:00.000Z',
      endedAt: '2026-12-07T01:30:00.000Z',
      exitCode: 1,
      counts: { read: 30, created: 15, updated: 2, adopted: 1, unchanged: 10, failed: 2 },
      files: ['failures.csv', 'summary.json'],
    },
  ]);
  // Times in this machine's zone, named; the instant in datetime; each run's files linked in its folder.
  expect(page).toMatch(/<time datetime="2026-12-07T01:00:00.000Z">2026-12-0\d \d\d:\d\d:00 [^<]+<\/time>/);
  expect(page).toContain('<a href="runs/2026-12-07T01-00-00.000Z/failures.csv">failures.csv</a>');
  // No bookkeeping formula for the reader: the invariant is summary.json's.
  expect(page).not.toContain(s.invariant.formula);
  expect(page).toMatch(
    /<span data-job="created">created 25<\/span>, <span data-job="updated">updated 2<\/span> and <span data-job="adopted">adopted 1<\/span>/,
  );
  expect(page).toMatch(/<span data-job="failed">2 failed<\/span>/);
  // Each run's counts, and the job's net: made, updated, adopted and deleted add up; failed is what the last run left.
  expect(page).toContain(
    '<td data-run-created="15">15</td><td data-run-updated="2">2</td><td data-run-adopted="1">1</td><td data-run-unchanged="10">10</td><td data-run-deleted="0">0</td><td data-run-failed="2">2</td>',
  );
  expect(page).toMatch(/data-net-created="25">25<.*data-net-failed="2">2</);
  expect(page).toContain('no end recorded (running, or killed)');
  // The job's totals stand beside the bucket table, which is named as this run's.
  expect(page).toContain('<h2>Records in this run</h2>');
  expect(page.indexOf('data-job="created"')).toBeLessThan(page.indexOf('<h2 id="runs">'));
  expect(page).toContain('This run read the whole input;');
  // A run that aborted (at start-up: it read nothing) does not claim to have read the whole input.
  const aborted = buildSummary(
    {
      ...runFacts('import', 'in.csv', 'c.json', 'state', new Date(0), new Date(1000)),
      exitCode: 3,
      abortedBecause: 'the API did not answer',
      abortHint: 'run the same command again when the API answers',
    },
    new Counts(),
  );
  const abortedPage = renderReport(aborted, [
    { pid: 1, startedAt: 'first', endedAt: 'x', exitCode: 1, counts: { read: 10, created: 10 } },
    { pid: 2, startedAt: 'second', endedAt: 'y', exitCode: 3 },
  ]);
  expect(abortedPage).toContain('This run stopped before the end of the input;');
  expect(abortedPage).toContain('What to do: run the same command again when the API answers.');
});

test('report.html: the rate and its chart only for a run long enough to mean something', () => {
  const timeline = [
    { t: 5, requests: 50, created: 50, rateLimited: 0, retries: 0 },
    { t: 10, requests: 50, created: 50, rateLimited: 1, retries: 0 },
    { t: 15, requests: 48, created: 48, rateLimited: 0, retries: 2 },
  ];
  const at = (ms: number) =>
    buildSummary(
      {
        ...runFacts('import', 'in.csv', 'c.json', 'state', new Date(0), new Date(ms)),
        exitCode: 0,
        requests: { requests: 148, creates: 148, lookups: 0, retries: 2, rateLimited: 1 },
        achievedRate: 148 / (ms / 1000),
        timeline,
      },
      new Counts(),
    );
  const long = renderReport(at(15_000), []);
  expect(long).toContain('148 requests (9.9/s)');
  expect(long).toContain('<svg');
  const short = renderReport(at(1_100), []);
  expect(short).toContain('148 requests: creates');
  expect(short).not.toContain('<svg');
});
