import type { HeaderIndex } from '../csv/header.js';
import { reportDelimiter, type InputTable } from '../input/table.js';
import type { Log } from '../log.js';
import { DroppedValuesReport } from '../report/dropped-report.js';
import { failedCardsPath } from '../report/failed-cards.js';
import { FailuresReport } from '../report/failures-report.js';
import { keptEdits } from '../report/kept-edits.js';
import { ReviewReport } from '../report/review-report.js';
import { statePath } from '../state/private-files.js';
import type { RecorderSinks } from './recorder.js';

/**
 * The reports a run writes as it reads, the import's and the dry run's alike:
 * failures.csv (and failures.vcf for a vCard input), dropped-values.csv and,
 * where matching runs, review.csv. Each in the input's own delimiter (the
 * table's write-back), and each a person may edit kept aside, not written over.
 */
export function readingReports(
  table: InputTable,
  header: HeaderIndex,
  reportDir: string,
  log: Log | undefined,
  withReview: boolean,
): Pick<RecorderSinks, 'failures' | 'dropped' | 'review'> {
  const delimiter = reportDelimiter(table.writeBack);
  return {
    failures: new FailuresReport(
      statePath(reportDir, 'failures'),
      header,
      delimiter,
      table.file,
      failedCardsPath(table.writeBack.format, reportDir),
      keptEdits(log),
    ),
    dropped: new DroppedValuesReport(statePath(reportDir, 'droppedValues'), delimiter),
    ...(withReview && { review: new ReviewReport(statePath(reportDir, 'review'), keptEdits(log), delimiter) }),
  };
}
