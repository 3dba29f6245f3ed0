import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { importJob } from '../../src/job/import-job.js';
import { silentLog } from '../../src/log.js';
import { type Sandbox } from '../../src/sandbox/server.js';
import { configFrom } from '../helpers/config.js';
import { HEADER, importConfig } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

/**
 * The refusal breaker stops a job whose refusals are the key's or the
 * workspace's, and must never trap a file whose first records are genuinely
 * bad, nor make a record "failed for good" for a refusal that was the key's.
 */
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

function cleanFile(n: number): string {
  const input = join(dir(), 'contacts.csv');
  const rows = Array.from({ length: n }, (_, i) => [
    `r${i + 1}`,
    `First${i + 1}`,
    'Last',
    '',
    `user${i + 1}@example.com`,
    `+1415${String(3000000 + i)}`,
    'no',
    '01/02/2024',
  ]);
  writeFileSync(input, stringify([HEADER, ...rows]));
  return input;
}
// One at a time: which POST the sandbox refuses is which record.
const run = (sb: Sandbox, input: string) =>
  importJob({
    config: configFrom(importConfig({ concurrency: 1 })),
    input,
    stateDir: join(dir(), 'state'),
    apiKey: sb.apiKey,
    baseUrl: sb.url,
    log: silentLog,
  });
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

test('rows 1-12 refused for good, 13-30 good: the first run stops as a job-wide refusal, the rerun marks the repeated refusals failed and goes on', async () => {
  // Run 1 sends records 1-10 (POSTs 1-10) and trips; run 2 sends them again (POSTs 11-20), then records 11 and 12 (POSTs 21, 22).
  const sandbox = await startSandbox({ rate: 0, faults: [{ route: 'post', kind: '400', at: numbers(1, 22) }] });
  const input = cleanFile(30);
  const first = await run(sandbox, input);
  expect(first.exitCode).toBe(3);
  expect(first.abortedBecause).toMatch(/the first 10 records sent were all refused with API_400/);
  // One story: not "failed 10, fix the rows in failures.csv" under "the cause is not in the records".
  expect(first.counts).toMatchObject({ tripped: 10, failed: 0 });
  expect(first.invariant.holds).toBe(true);
  const { formatSummary } = await import('../../src/report/summary.js');
  expect(formatSummary(first)).toMatch(
    /refused job-wide 10 \(the key's or the workspace's, not the records': sent again on the next run\)/,
  );
  expect(formatSummary(first)).not.toMatch(/failures: /);
  const second = await run(sandbox, input);
  expect(second.exitCode).toBe(1);
  expect(second.counts).toMatchObject({ created: 18, failed: 12 });
  expect(sandbox.contacts()).toHaveLength(18);
  // The third run sends nothing: the twelve are the records' own refusals now, until fixed.
  const before = sandbox.requests().filter((r) => r.method === 'POST').length;
  const third = await run(sandbox, input);
  expect(third.counts).toMatchObject({ unchanged: 18, failed: 12 });
  expect(sandbox.requests().filter((r) => r.method === 'POST')).toHaveLength(before);
});

test('a job shorter than the streak, every record refused with 403, then the permission is fixed: the rerun sends them all', async () => {
  const sandbox = await startSandbox({ rate: 0, faults: [{ route: 'post', kind: '403', at: numbers(1, 5) }] });
  const input = cleanFile(5);
  const first = await run(sandbox, input);
  expect(first.counts).toMatchObject({ failed: 5, created: 0 });
  expect(first.problemGroups[0]!.examples[0]!.message).toMatch(/not the record: sent again on the next run/);
  const second = await run(sandbox, input);
  expect(second.counts).toMatchObject({ created: 5, failed: 0 });
  expect(second.exitCode).toBe(0);
});
