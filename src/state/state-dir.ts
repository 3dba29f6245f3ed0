import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { STATE_FILES, statePath } from './private-files.js';

/** Whether a file is named as a job's failure report (failures.csv, or a vCard input's failures.vcf): what a rerun of fixed rows reads. */
export function isFailureReportName(path: string): boolean {
  const name = basename(path);
  return name === STATE_FILES.failures || name === STATE_FILES.failedCards;
}

/** Whether a file is named as one of a job's own reports a run may read (failures.csv, failures.vcf, review.csv): never the source itself. */
export const isOwnReportName = (path: string): boolean =>
  isFailureReportName(path) || basename(path) === STATE_FILES.review;

/**
 * The state directory a job uses when none is given: beside the input, named
 * after it. An input that is one of a job's reports inside its state directory
 * (a failures.csv or failures.vcf with fixed rows, a review.csv with
 * decisions) belongs to that job, so resume state is shared with it.
 */
export function defaultStateDir(input: string): string {
  const dir = dirname(input);
  if (isOwnReportName(input) && existsSync(statePath(dir, 'summary'))) {
    // A dry run's failures.csv (STATE/dry-run/failures.csv, or STATE/dry-run/check-N/failures.csv) belongs to STATE.
    if (basename(dir) === STATE_FILES.dryRun) return dirname(dir);
    if (/^check-\d+$/.test(basename(dir)) && basename(dirname(dir)) === STATE_FILES.dryRun)
      return dirname(dirname(dir));
    return dir;
  }
  return join(dir, `${basename(input, extname(input))}.openphone-import`);
}

/** The journal of the job in `stateDir`, for a command that reads a job (status, rollback): refused when there is none. */
export function existingJournal(stateDir: string): string {
  const journalPath = statePath(stateDir, 'journal');
  if (!existsSync(journalPath)) {
    throw new UsageError(
      'NO_JOB',
      `${stateDir} holds no job (no ${STATE_FILES.journal}): expected the --state-dir of an import`,
      {
        hint: 'name the folder the import used: by default <input>.openphone-import beside the input, or the --state-dir it was given',
      },
    );
  }
  return journalPath;
}
