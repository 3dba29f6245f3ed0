import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/journal/events.js';
import { reviewSource } from '../../src/job/review-decisions.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

const run = (pid: number, input: string, end: Partial<RunEvent>, extra: Partial<RunEvent> = {}): RunEvent[] => [
  { t: 'run', event: 'start', at: `2026-12-0${pid}T01:00:00.000Z`, pid, input, ...extra },
  { t: 'run', event: 'end', at: `2026-12-0${pid}T01:05:00.000Z`, pid, ...end },
];

test("a review's records come from the last export the job read: not its own reports, not a run refused before it read a record", () => {
  mkdirSync(join(dir(), 'state'));
  const exportFile = join(dir(), 'crm.csv');
  const renamed = join(dir(), 'crm-renamed.csv');
  const fixed = join(dir(), 'fixed.csv');
  for (const f of [exportFile, renamed, fixed]) writeFileSync(f, 'x\n');
  const review = join(dir(), 'state', 'review.csv');
  const runs = [
    ...run(1, exportFile, { exitCode: 1, counts: { read: 40 } }),
    // A failure report under another name, known by its columns: not an export.
    ...run(2, fixed, { exitCode: 0, counts: { read: 3 } }, { report: true }),
    // Refused before it read a record (refused-run.ts): its input may be anything.
    ...run(3, renamed, {
      exitCode: 2,
      aborted: 'renamed.csv:1: the header does not fit the config [CSV_HEADER_MISMATCH]',
    }),
  ];
  expect(reviewSource(runs, review)).toBe(exportFile);
  // A run that read the renamed file and ended (exit 2 with counts: a guard refused at its end) did read it.
  const read = [...runs, ...run(4, renamed, { exitCode: 2, counts: { read: 40 } })];
  expect(reviewSource(read, review)).toBe(renamed);
});
