import type { DeleteMissingResult } from '../report/summary.js';
import { basename } from 'node:path';
import type { HeaderIndex } from '../csv/header.js';
import { ExitCode } from '../errors.js';
import type { ResumeState } from '../journal/fold-state.js';
import { runsFromJournal } from '../journal/runs.js';
import { isFailureReportName, isOwnReportName } from '../state/state-dir.js';
import { closeSync, existsSync, fsyncSync, writeSync } from 'node:fs';
import type { ApiClient } from '../api/client.js';
import type { Contact } from '../api/contract.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { Log } from '../log.js';
import { jobContacts, ownedByJob, type JobContact } from '../ownership/created-by-job.js';
import { deleteIfStillOurs, restoreIfUnchanged, type GuardedResult } from '../ownership/guarded-write.js';
import { readPriorStates, type PriorState } from '../ownership/prior-states.js';
import { openPrivateFile, STATE_FILES } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';
import { delimiterOfReport } from '../report/csv-report.js';
import type { Runner } from './runner.js';
import { baseOfRecord } from '../journal/line-reader.js';
import type { Base } from '../sync/base.js';

/** Whether the input is one of the tool's own reports: never the source a deletion may act on. */
function ownReportOf(input: string, header: HeaderIndex): { ownReport?: string } {
  if (isFailureReportName(input) || header.source !== undefined)
    return { ownReport: `a failure report of this tool (${basename(input)})` };
  if (basename(input) === STATE_FILES.review) return { ownReport: "the job's review.csv" };
  return {};
}

/** Records read by the job's last run that read a whole export (ended on its own, not on a report of its own). */
function lastWholeRead(runs: ResumeState['runs']): { lastWholeRead?: number } {
  const whole = runsFromJournal(runs).filter(
    (r) =>
      (r.exitCode === ExitCode.ok || r.exitCode === ExitCode.someFailed) &&
      r.counts !== undefined &&
      r.report !== true &&
      (r.input === undefined || !isOwnReportName(r.input)),
  );
  const last = whole.at(-1)?.counts as { read?: number; ignored?: number } | undefined;
  return last?.read !== undefined ? { lastWholeRead: last.read - (last.ignored ?? 0) } : {};
}

/** What the job's past and the input's name say for the deletion guards (the import's and the dry run's preview alike). */
export const deletionHistory = (
  input: string,
  header: HeaderIndex,
  runs: ResumeState['runs'],
): Pick<DeletionEvidence, 'ownReport' | 'lastWholeRead'> => ({ ...ownReportOf(input, header), ...lastWholeRead(runs) });

/** The share of the job's contacts a run may delete without --max-delete. */
export const DELETE_SHARE = 0.05;

/** What the run read of the source: for --delete-missing, which externalIds are still there. */
export interface SourceSeen {
  readonly hasSeen: (externalId: string) => boolean;
  /** Records that could not be read (malformed): their externalId is unknown. */
  readonly unreadable: number;
  /** Records read (lines that are not records aside): a collapsed export has few. */
  readonly records: number;
  /** Records the run made the job's (created or adopted) that it did not answer for before. */
  readonly madeOwned: number;
}

/** How many contacts the job answers for (made or adopted), as the fold says. */
export function ownedContacts(past: Pick<ResumeState, 'done'>): number {
  const by = past.done.countByRelation();
  return by.created + by.adopted;
}

/** What the job knows of the input and its own past, for the guards that stop a collapsed export from deleting. */
export interface DeletionEvidence {
  /** Records this run read (ignored lines aside). */
  readonly records: number;
  /** Set when the input is one of the tool's own reports (failures, review): why it is not the source. */
  readonly ownReport?: string;
  /** Records read by the job's last run that read a whole export (not a report), if any. */
  readonly lastWholeRead?: number;
  /** --confirm-delete N: the exact count this run may act on, where the guards would refuse. */
  readonly confirmDelete?: number;
}

export interface DeleteMissingArgs {
  readonly api: ApiClient;
  readonly runner: Runner;
  readonly journal: JournalWriter;
  readonly journalPath: string;
  /** The journal's fold as the run started. */
  readonly past: ResumeState;
  readonly deletedCsv: string;
  /** The input's delimiter: deleted.csv, like every report, opens in the spreadsheet the export came from. */
  readonly delimiter: string;
  /** prior.jsonl, where a job begun by an earlier version kept its first states (read beside the journal's prior events). */
  readonly priorPath: string;
  readonly seen: SourceSeen;
  readonly evidence: DeletionEvidence;
  readonly maxDelete?: number;
  readonly log: Log;
}

/**
 * --delete-missing, the mirror of a CRM deletion: the contacts this job
 * created whose externalId is no longer in the source are deleted, and those
 * it adopted are released (put back as they were before the adoption, without
 * the externalId): a contact the job did not make is never deleted. Guarded as
 * sync tools guard mass deletion:
 * - only after the whole input was read, without a record that could not be read;
 * - never from the tool's own reports, a header-only input, or an input with
 *   fewer than half the records of the job's last whole read, whatever
 *   --max-delete says, unless --confirm-delete names the exact count;
 * - never more than 5% of the job's contacts without --max-delete N (and never more than N);
 * - each contact is read first: it must still carry the record's externalId
 *   and be as the job's last write left it (its updatedAt), else it is listed
 *   as changed since and left alone; a deleted one is written, as it was, to
 *   deleted.csv (fsynced) before its DELETE leaves;
 * - each deletion and release is journaled: the record is new again if it comes back.
 */
export async function deleteMissing(args: DeleteMissingArgs): Promise<DeleteMissingResult> {
  // A record this run did not see is one it did not touch: the fold it started from holds it as it is.
  const missing = jobContacts(
    args.journalPath,
    args.past,
    (id, done) => ownedByJob(done.relation) && !args.seen.hasSeen(id),
  );
  const none = { missing: missing.length, deleted: 0, released: 0, gone: 0, changedSince: 0, failed: 0, notSent: 0 };
  const refused = refusal({
    missing: missing.length,
    total: ownedContacts(args.past) + args.seen.madeOwned,
    unreadable: args.seen.unreadable,
    maxDelete: args.maxDelete,
    ...args.evidence,
  });
  if (refused !== undefined)
    return { ...none, notSent: missing.length, refused: refused.why, refusedHint: refused.hint };
  if (missing.length === 0) return none;
  const priors = await announce(args, missing);
  const out = new DeletedCsv(args.deletedCsv, args.delimiter);
  const n = { deleted: 0, released: 0, gone: 0, changedSince: 0, failed: 0, notSent: 0 };
  try {
    for (const c of missing) {
      if (!args.runner.keepReading) {
        n.notSent++;
        continue;
      }
      await args.runner.submit(async () => {
        let r: GuardedResult;
        try {
          // What the job last wrote: anything else the contact holds is someone's work, not the job's to undo.
          const base = baseOfRecord(args.journalPath, args.past.done, c.externalId);
          r =
            c.relation === 'adopted'
              ? await release(args.api, c, priors.get(c.contactId)?.contact, base)
              : await deleteIfStillOurs(args.api, c, base, (contact) => out.add(c, contact));
        } catch (err) {
          args.runner.abort(err);
          n.notSent++;
          return;
        }
        recordRemoval(args, c, r);
        n[r.kind === 'restored' ? 'released' : r.kind]++;
      });
    }
    await args.runner.drain();
  } finally {
    out.close();
  }
  return { missing: missing.length, ...n };
}

/** Says what the run will delete and release, and reads the states to give the adopted ones back (only theirs: into memory). */
async function announce(
  args: { readonly log: Log; readonly deletedCsv: string; readonly journalPath: string; readonly priorPath: string },
  missing: readonly JobContact[],
): Promise<Map<string, PriorState>> {
  const adopted = new Set(missing.filter((c) => c.relation === 'adopted').map((c) => c.contactId));
  const releasing = missing.filter((c) => c.relation === 'adopted').length;
  args.log.info(
    `--delete-missing: ${missing.length} contact(s) whose externalId is no longer in the input: deleting the ${missing.length - releasing} the job created (each written to ${args.deletedCsv} first)${releasing > 0 ? `, releasing the ${releasing} it adopted (put back as they were before)` : ''}`,
  );
  return releasing > 0 ? readPriorStates(args.journalPath, args.priorPath, adopted) : new Map<string, PriorState>();
}

/** What a deletion or release came to: journaled when it is final (the record is new again if it comes back), said when it was not done. */
function recordRemoval(
  args: { readonly journal: JournalWriter; readonly log: Log },
  c: JobContact,
  r: GuardedResult,
): void {
  if (r.kind === 'deleted' || r.kind === 'gone')
    args.journal.append({ t: 'deleted', id: c.externalId, cid: c.contactId });
  if (r.kind === 'restored') args.journal.append({ t: 'released', id: c.externalId, cid: c.contactId });
  if (r.kind === 'failed')
    args.log.warn(`--delete-missing: contact ${c.contactId} (${c.externalId}): ${r.why}`, 'DELETE_FAILED');
  if (r.kind === 'changedSince')
    args.log.warn(
      `--delete-missing: contact ${c.contactId} (${c.externalId}) left alone: ${r.why}`,
      'DELETE_CHANGED_SINCE',
    );
}

/** An adopted contact whose record left the source: given back as it was before the adoption, never deleted. */
function release(
  api: ApiClient,
  c: JobContact,
  before: Contact | undefined,
  base: Base | undefined,
): Promise<GuardedResult> | GuardedResult {
  if (before === undefined)
    return {
      kind: 'changedSince',
      why: "the journal has no state of it from before the adoption: it cannot be given back, and it is not the job's to delete",
    };
  return restoreIfUnchanged(api, c, before, base);
}

/** Why the guards refuse, with what to do; or undefined. */
export function refusal(
  o: DeletionEvidence & {
    readonly missing: number;
    readonly total: number;
    readonly unreadable: number;
    readonly maxDelete?: number;
  },
): { why: string; hint: string } | undefined {
  if (o.missing === 0) return undefined;
  if (o.ownReport !== undefined)
    return {
      why: `the input is ${o.ownReport}, not the source: every contact not in it would look deleted in the CRM`,
      hint: 'run --delete-missing only on the whole export from the source',
    };
  if (o.unreadable > 0)
    return {
      why: `${o.unreadable} record(s) of the input could not be read (malformed CSV), so their externalIds are unknown: a contact whose record is among them would look deleted`,
      hint: 'fix them (failures.csv), then run again on the whole export',
    };
  const confirmed = o.confirmDelete === o.missing;
  const confirmHint = `check that the export is whole; if the source really lost these records, run once with --confirm-delete ${o.missing}`;
  if (o.confirmDelete !== undefined && !confirmed)
    return {
      why: `--confirm-delete ${o.confirmDelete} does not match: this run would act on ${o.missing} contact(s)`,
      hint: `check the input; --confirm-delete must name exactly ${o.missing}`,
    };
  if (o.records === 0 && !confirmed)
    return {
      why: `the input holds no record (a header only) and would delete all ${o.missing} of the job's contacts`,
      hint: confirmHint,
    };
  if (o.lastWholeRead !== undefined && o.records < o.lastWholeRead / 2 && !confirmed) {
    return {
      why: `the input holds ${o.records} record(s), fewer than half of the ${o.lastWholeRead} the job's last whole read had: an export cut short would delete ${o.missing} contact(s)`,
      hint: confirmHint,
    };
  }
  if (confirmed) return undefined;
  if (o.maxDelete !== undefined)
    return o.missing > o.maxDelete
      ? {
          why: `it would delete ${o.missing} contact(s), more than --max-delete ${o.maxDelete}`,
          hint: `check the input is the whole export, then raise --max-delete to ${o.missing}`,
        }
      : undefined;
  const allowed = Math.floor(o.total * DELETE_SHARE);
  if (o.missing > allowed)
    return {
      why: `it would delete ${o.missing} of the job's ${o.total} contacts (${Math.round((o.missing / Math.max(1, o.total)) * 100)}%), more than the ${DELETE_SHARE * 100}% (${allowed}) a run deletes without --max-delete`,
      hint: `check the input is the whole export, then add --max-delete ${o.missing}`,
    };
  return undefined;
}

const CSV_HEADER = [
  'externalId',
  'contactId',
  'firstName',
  'lastName',
  'company',
  'role',
  'emails',
  'phoneNumbers',
  'customFields',
  'deletedAt',
];

/**
 * deleted.csv (private, appended across runs): each contact --delete-missing
 * deletes, as it was, written and fsynced before the DELETE, so it can be
 * imported again. Emails and phones are `name: value` pairs joined by "; ",
 * custom fields are JSON.
 */
class DeletedCsv {
  private readonly fd: number;
  private readonly delimiter: string;

  /** A fresh file takes the input's delimiter; rows appended to an older one keep its own. */
  constructor(path: string, inputDelimiter: string) {
    const fresh = !existsSync(path);
    this.delimiter = fresh ? inputDelimiter : delimiterOfReport(path, ',');
    this.fd = openPrivateFile(path, 'a');
    if (fresh) writeSync(this.fd, `${UTF8_BOM}${safeCsvRow(CSV_HEADER, this.delimiter)}`);
  }

  add(c: JobContact, contact: Contact): void {
    const df = contact.defaultFields;
    const items = (list: readonly { name: string; value: string | null }[]) =>
      list.map((i) => `${i.name}: ${i.value ?? ''}`).join('; ');
    const row = [
      c.externalId,
      contact.id,
      df.firstName ?? '',
      df.lastName ?? '',
      df.company ?? '',
      df.role ?? '',
      items(df.emails),
      items(df.phoneNumbers),
      JSON.stringify(contact.customFields.map((f) => ({ key: f.key, value: f.value }))),
      new Date().toISOString(),
    ];
    writeSync(this.fd, safeCsvRow(row, this.delimiter));
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
