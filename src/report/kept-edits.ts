import type { Log } from '../log.js';

/** A report a person edited since the tool wrote it (failures.csv, review.csv) is kept under another name: the run says where (state/private-files.ts AtomicPrivateFile). */
export const keptEdits =
  (log: Log | undefined) =>
  (aside: string): void =>
    log?.warn(
      `your edits are kept: the report you edited is now ${aside}, and the new one takes its name`,
      'EDITED_REPORT_KEPT',
    );
