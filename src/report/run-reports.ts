import type { RunRow } from '../journal/runs.js';
import { statePath, writePrivateFile } from '../state/private-files.js';
import { renderReport, type NextStep } from './html-report.js';
import type { Summary } from './summary.js';

/** summary.json as every run writes it: the import's, the dry run's, and a run's own copy in runs/<start>/. */
export const summaryJson = (summary: Summary): string => `${JSON.stringify(summary, null, 2)}\n`;

/**
 * The last step of the import and of the dry run alike: summary.json, then
 * report.html over the job's runs (none for a dry run), each written whole or
 * not at all, in the run's report folder.
 */
export async function writeRunReports(
  reportDir: string,
  summary: Summary,
  runs: readonly RunRow[],
  next: readonly NextStep[],
): Promise<void> {
  await writePrivateFile(statePath(reportDir, 'summary'), summaryJson(summary));
  await writePrivateFile(statePath(reportDir, 'reportHtml'), renderReport(summary, runs, next));
}
