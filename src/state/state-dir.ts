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
 * after it. An input inside a job's state directory, or in its dry-run/ (or a
 * check-N/ below it), belongs to that job whatever its name: a failures.csv or
 * review.csv fixed in place, and as much one a spreadsheet app saved beside it
 * as "failures-fixed.csv" or "failures.xlsx". Its rows are that job's: made
 * by a job of their own, they would be contacts the job never answers for.
 */
export function defaultStateDir(input: string): string {
  const dir = dirname(input);
  return jobFolderHolding(dir) ?? join(dir, `${basename(input, extname(input))}.openphone-import`);
}

/** The job folder a folder is, or whose dry run reports it holds; undefined for any other folder. */
function jobFolderHolding(dir: string): string | undefined {
  const hasSummary = (d: string) => existsSync(statePath(d, 'summary'));
  // A dry run's folder has a summary of its own: it is its job's, never a job itself.
  if (basename(dir) === STATE_FILES.dryRun && hasSummary(dir)) return dirname(dir);
  if (/^check-\d+$/.test(basename(dir)) && basename(dirname(dir)) === STATE_FILES.dryRun && hasSummary(dir))
    return dirname(dirname(dir));
  return hasSummary(dir) || existsSync(statePath(dir, 'journal')) ? dir : undefined;
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
