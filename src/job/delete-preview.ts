import { rmSync } from 'node:fs';
import type { HeaderIndex } from '../csv/header.js';
import { baseOfRecord } from '../journal/line-reader.js';
import type { ResumeState } from '../journal/fold-state.js';
import { jobContacts, ownedByJob } from '../ownership/created-by-job.js';
import { CsvReport } from '../report/csv-report.js';
import type { Summary } from '../report/summary.js';
import { deletionHistory, ownedContacts, refusal, type SourceSeen } from './delete-missing.js';

/** --delete-missing as the dry run previews it: the flags the import would get. */
export interface DeletePreviewFlags {
  readonly maxDelete?: number;
  readonly confirmDelete?: number;
}

/** would-delete.csv: each contact the import would delete or release, with the name the job last wrote. */
class WouldDeleteReport extends CsvReport {
  constructor(path: string, delimiter: string) {
    super(path, ['externalId', 'contactId', 'action', 'firstName', 'lastName', 'company'], {
      omitWhenEmpty: true,
      delimiter,
    });
  }
  add(row: readonly string[]): void {
    this.write(row);
  }
}

/**
 * The deletions an import with --delete-missing would make after reading this
 * input: the job's contacts whose externalId the input no longer has (read
 * from the journal: no key needed), each in would-delete.csv, and the
 * guards' verdict, in the same words the import would use. Only the import
 * reads each contact first (changed since the job's last write: left alone).
 */
export async function previewDeletion(args: {
  readonly journalPath: string;
  readonly past: ResumeState;
  readonly seen: SourceSeen;
  readonly input: string;
  readonly header: HeaderIndex;
  readonly flags: DeletePreviewFlags;
  readonly file: string;
  readonly delimiter: string;
}): Promise<NonNullable<Summary['wouldDelete']>> {
  const missing = jobContacts(
    args.journalPath,
    args.past,
    (id, done) => ownedByJob(done.relation) && !args.seen.hasSeen(id),
  );
  const verdict = refusal({
    missing: missing.length,
    total: ownedContacts(args.past),
    unreadable: args.seen.unreadable,
    records: args.seen.records,
    ...deletionHistory(args.input, args.header, args.past.runs),
    ...(args.flags.maxDelete !== undefined && { maxDelete: args.flags.maxDelete }),
    ...(args.flags.confirmDelete !== undefined && { confirmDelete: args.flags.confirmDelete }),
  });
  const report = new WouldDeleteReport(args.file, args.delimiter);
  try {
    for (const c of missing) {
      const f = baseOfRecord(args.journalPath, args.past.done, c.externalId)?.f;
      report.add([
        c.externalId,
        c.contactId,
        c.relation === 'adopted' ? 'release' : 'delete',
        f?.firstName ?? '',
        f?.lastName ?? '',
        f?.company ?? '',
      ]);
      await report.pace();
    }
    await report.commit();
    // A list from an earlier dry run would speak of contacts this input still has: it goes (a preview, never a file to edit).
    if (missing.length === 0) rmSync(args.file, { force: true });
  } catch (err) {
    report.discard();
    throw err;
  }
  const released = missing.filter((c) => c.relation === 'adopted').length;
  return {
    delete: missing.length - released,
    release: released,
    ...(missing.length > 0 && { file: args.file }),
    ...(verdict !== undefined && { refused: verdict.why, refusedHint: verdict.hint }),
  };
}
