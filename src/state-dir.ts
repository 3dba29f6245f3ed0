import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { DRY_RUN_DIR } from './run-job.js';

/**
 * The state directory a job uses when none is given: beside the input, named
 * after it. An input that is a failures.csv inside a state directory (a rerun
 * of failures) belongs to that job, so resume state is shared with it.
 */
export function defaultStateDir(input: string): string {
  const dir = dirname(input);
  if (basename(input) === 'failures.csv' && existsSync(join(dir, 'summary.json'))) {
    // A dry run's failures.csv (STATE/dry-run/failures.csv) belongs to STATE.
    return basename(dir) === DRY_RUN_DIR ? dirname(dir) : dir;
  }
  return join(dir, `${basename(input, extname(input))}.openphone-import`);
}
