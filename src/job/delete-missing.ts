import type { DeleteMissingResult } from '../report/summary.js';
import { closeSync, existsSync, fsyncSync, writeSync } from 'node:fs';
import type { ApiClient } from '../api/client.js';
import type { Contact } from '../api/contract.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { Log } from '../log.js';
import { jobContacts, type JobContact } from '../ownership/created-by-job.js';
import { deleteIfStillOurs, type GuardedResult } from '../ownership/guarded-write.js';
import { openPrivateFile } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';
import type { Runner } from './runner.js';
import type { SourceSeen } from './import-records.js';

export type { DeleteMissingResult };

/** The share of the job's contacts a run may delete without --max-delete. */
export const DELETE_SHARE = 0.05;


/**
 * --delete-missing, the mirror of a CRM deletion: the contacts this job made
 * or adopted whose externalId is no longer in the source are deleted. Guarded
 * as sync tools guard mass deletion:
 * - only after the whole input was read, without a record that could not be read;
 * - never more than 5% of the job's contacts without --max-delete N (and never more than N);
 * - each contact is read first (it must still carry the record's externalId)
 *   and written, as it was, to deleted.csv (fsynced) before its DELETE leaves;
 * - each deletion is journaled: the record is new again if it comes back.
 */
export async function deleteMissing(args: {
  readonly api: ApiClient;
  readonly runner: Runner;
  readonly journal: JournalWriter;
  readonly journalPath: string;
  readonly deletedCsv: string;
  readonly seen: SourceSeen;
  readonly maxDelete?: number;
  readonly log: Log;
}): Promise<DeleteMissingResult> {
  const contacts = [...(await jobContacts(args.journalPath)).values()].filter((c) => c.relation === 'created' || c.relation === 'adopted');
  const missing = contacts.filter((c) => !args.seen.hasSeen(c.externalId));
  const none = { missing: missing.length, deleted: 0, gone: 0, changedSince: 0, failed: 0, notSent: 0 };
  const refused = refusal(missing.length, contacts.length, args.seen.unreadable, args.maxDelete);
  if (refused !== undefined) return { ...none, notSent: missing.length, refused };
  if (missing.length === 0) return none;
  args.log.info(`--delete-missing: deleting ${missing.length} contact(s) whose externalId is no longer in the input (each written to ${args.deletedCsv} first)`);
  const out = new DeletedCsv(args.deletedCsv);
  const n = { deleted: 0, gone: 0, changedSince: 0, failed: 0, notSent: 0 };
  try {
    for (const c of missing) {
      if (!args.runner.keepReading) {
        n.notSent++;
        continue;
      }
      await args.runner.submit(async () => {
        let r: GuardedResult;
        try {
          r = await deleteIfStillOurs(args.api, c, (contact) => out.add(c, contact));
        } catch (err) {
          args.runner.abort(err);
          n.notSent++;
          return;
        }
        if (r.kind === 'deleted' || r.kind === 'gone') args.journal.append({ t: 'deleted', id: c.externalId, cid: c.contactId });
        if (r.kind === 'failed') args.log.warn(`--delete-missing: contact ${c.contactId} (${c.externalId}): ${r.why}`);
        if (r.kind === 'changedSince') args.log.warn(`--delete-missing: contact ${c.contactId} (${c.externalId}) left alone: ${r.why}`);
        n[r.kind === 'restored' ? 'failed' : r.kind]++;
      });
    }
    await args.runner.drain();
  } finally {
    out.close();
  }
  return { missing: missing.length, ...n };
}

/** Why the guards refuse, or undefined. */
export function refusal(missing: number, total: number, unreadable: number, maxDelete: number | undefined): string | undefined {
  if (missing === 0) return undefined;
  if (unreadable > 0) return `${unreadable} record(s) of the input could not be read (malformed CSV), so their externalIds are unknown: a contact whose record is among them would look deleted. Fix them (failures.csv), then run again`;
  if (maxDelete !== undefined) return missing > maxDelete ? `it would delete ${missing} contact(s), more than --max-delete ${maxDelete}: check the input is the whole export, then raise --max-delete` : undefined;
  const allowed = Math.floor(total * DELETE_SHARE);
  if (missing > allowed) return `it would delete ${missing} of the job's ${total} contacts (${Math.round((missing / Math.max(1, total)) * 100)}%), more than ${DELETE_SHARE * 100}% (${allowed}): check the input is the whole export, then add --max-delete ${missing}`;
  return undefined;
}

const CSV_HEADER = ['externalId', 'contactId', 'firstName', 'lastName', 'company', 'role', 'emails', 'phoneNumbers', 'customFields', 'deletedAt'];

/**
 * deleted.csv (private, appended across runs): each contact --delete-missing
 * deletes, as it was, written and fsynced before the DELETE, so it can be
 * imported again. Emails and phones are `name: value` pairs joined by "; ",
 * custom fields are JSON.
 */
class DeletedCsv {
  private readonly fd: number;

  constructor(path: string) {
    const fresh = !existsSync(path);
    this.fd = openPrivateFile(path, 'a');
    if (fresh) writeSync(this.fd, `${UTF8_BOM}${safeCsvRow(CSV_HEADER)}`);
  }

  add(c: JobContact, contact: Contact): void {
    const df = contact.defaultFields;
    const items = (list: readonly { name: string; value: string | null }[]) => list.map((i) => `${i.name}: ${i.value ?? ''}`).join('; ');
    const row = [c.externalId, contact.id, df.firstName ?? '', df.lastName ?? '', df.company ?? '', df.role ?? '', items(df.emails), items(df.phoneNumbers), JSON.stringify(contact.customFields.map((f) => ({ key: f.key, value: f.value }))), new Date().toISOString()];
    writeSync(this.fd, safeCsvRow(row));
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
