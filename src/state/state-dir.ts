import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { STATE_FILES, statePath } from './private-files.js';

/**
 * The state directory a job uses when none is given: beside the input, named
 * after it. An input that is a failures.csv (or a vCard input's failures.vcf) inside a state directory (a rerun
 * of failures) belongs to that job, so resume state is shared with it.
 */
export function defaultStateDir(input: string): string {
  const dir = dirname(input);
  if ((basename(input) === STATE_FILES.failures || basename(input) === STATE_FILES.failedCards) && existsSync(statePath(dir, 'summary'))) {
    // A dry run's failures.csv (STATE/dry-run/failures.csv, or STATE/dry-run/check-N/failures.csv) belongs to STATE.
    if (basename(dir) === STATE_FILES.dryRun) return dirname(dir);
    if (/^check-\d+$/.test(basename(dir)) && basename(dirname(dir)) === STATE_FILES.dryRun) return dirname(dirname(dir));
    return dir;
  }
  return join(dir, `${basename(input, extname(input))}.openphone-import`);
}
