import type { ApiClient, CallResult } from '../api/client.js';
import { type Contact, contactInBody, NOT_A_CONTACT } from '../api/contract.js';
import { describeApiError } from '../api/api-error.js';
import type { JobContact } from './created-by-job.js';
import { restoreBody } from './restore-body.js';
import type { Base } from '../sync/base.js';
import { othersWork } from '../sync/others-work.js';

/** How a guarded delete or restore of one contact ended. */
export type GuardedResult =
  | { readonly kind: 'deleted' | 'restored' | 'gone' }
  /** Not the job's to touch any more: changed by someone since the job's last write. Listed, left alone. */
  | { readonly kind: 'changedSince'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string }
  /** The job stopped before the request left. */
  | { readonly kind: 'notSent' };

const path = (c: JobContact) => `v1/contacts/${encodeURIComponent(c.contactId)}`;

/** Reads the contact as it is now: the contact, gone, or why not. */
export async function readContact(
  api: ApiClient,
  c: JobContact,
): Promise<{ kind: 'read'; contact: Contact } | GuardedResult> {
  const r = await api.call({ method: 'GET', path: path(c) }, { count: 'lookups' });
  if (r.kind === 'stopped' || r.kind === 'settled') return { kind: 'notSent' };
  if (r.kind === 'gaveUp') return { kind: 'failed', why: `reading it: ${r.message} (a rerun tries again)` };
  if (r.res.status === 404) return { kind: 'gone' };
  if (r.res.status !== 200)
    return { kind: 'failed', why: `reading it: ${describeApiError(r.res.status, r.res.body).message}` };
  const contact = contactInBody(r.res.body);
  return contact === undefined ? { kind: 'failed', why: `reading it: ${NOT_A_CONTACT}` } : { kind: 'read', contact };
}

/**
 * Deletes a contact the journal says the job made, only if it is still as the
 * job left it: read first, and left alone when its externalId is no longer the
 * record's (someone re-used or cleared it: the contact is theirs now) or when
 * someone changed it since the job's last write (its updatedAt is not the one
 * that write left: an agent's edit is not deleted with it). `beforeDelete`
 * gets the contact as read, before the DELETE leaves.
 */
export async function deleteIfStillOurs(
  api: ApiClient,
  c: JobContact,
  base: Base | undefined,
  beforeDelete?: (contact: Contact) => void,
): Promise<GuardedResult> {
  const read = await readContact(api, c);
  if (read.kind !== 'read') return read;
  if (read.contact.externalId !== c.externalId) {
    return {
      kind: 'changedSince',
      why: `its externalId is now ${JSON.stringify(read.contact.externalId)}, not ${JSON.stringify(c.externalId)}: not this job's contact any more`,
    };
  }
  const changed = changedSinceJob(read.contact, c) ?? holdsOthersWork(read.contact, base);
  if (changed !== undefined) return changed;
  beforeDelete?.(read.contact);
  const r = await api.call({ method: 'DELETE', path: path(c) }, { count: 'deletes' });
  if (r.kind === 'stopped' || r.kind === 'settled') return { kind: 'notSent' };
  if (r.kind === 'gaveUp') return { kind: 'failed', why: `${r.message} (a rerun tries again)` };
  if (r.res.status === 204 || r.res.status === 200) return { kind: 'deleted' };
  if (r.res.status === 404) return { kind: 'gone' };
  return { kind: 'failed', why: describeApiError(r.res.status, r.res.body).message };
}

/**
 * Puts back a contact the job updated or adopted, as prior.jsonl kept it, only
 * if nobody changed it since the job's last write (its updatedAt is the one the
 * job's PATCH left); otherwise it is listed and left alone.
 */
export async function restoreIfUnchanged(
  api: ApiClient,
  c: JobContact,
  before: Contact,
  base: Base | undefined,
): Promise<GuardedResult> {
  const read = await readContact(api, c);
  if (read.kind !== 'read') return read;
  // A restore whose answer was lost went through: the contact holds what it held before the job.
  if (sameContent(read.contact, before)) return { kind: 'restored' };
  const changed = changedSinceJob(read.contact, c) ?? holdsOthersWork(read.contact, base, before);
  if (changed !== undefined) return changed;
  const r: CallResult<GuardedResult> = await api.call(
    { method: 'PATCH', path: path(c), body: restoreBody(before, read.contact) },
    {
      count: 'updates',
      // An answer lost: read back before anything is resent; restored already, or changed by someone meanwhile, nothing more is sent.
      beforeResend: async () => {
        const again = await readContact(api, c);
        if (again.kind !== 'read') return again;
        if (sameContent(again.contact, before)) return { kind: 'restored' };
        return changedSinceJob(again.contact, c);
      },
    },
  );
  if (r.kind === 'stopped') return { kind: 'notSent' };
  if (r.kind === 'settled') return r.value;
  // A PATCH that may have gone through is read again by the next run: its updatedAt then differs, and it is listed.
  if (r.kind === 'gaveUp') return { kind: 'failed', why: `${r.message} (a rerun reads it again)` };
  if (r.res.status === 200) return { kind: 'restored' };
  if (r.res.status === 404) return { kind: 'gone' };
  return { kind: 'failed', why: describeApiError(r.res.status, r.res.body).message };
}

/** Listed and left alone when the contact is not as the job's last write left it (or the journal cannot say). */
function changedSinceJob(now: Contact, c: JobContact): GuardedResult | undefined {
  if (c.leftAt === undefined)
    return {
      kind: 'changedSince',
      why: 'the journal does not say how the job left it, so an edit since cannot be ruled out',
    };
  if (now.updatedAt !== c.leftAt)
    return {
      kind: 'changedSince',
      why: `changed at ${now.updatedAt}, after the job's last write (${c.leftAt}): someone else's edit is not undone`,
    };
  return undefined;
}

/**
 * Listed and left alone when the contact holds what someone else put there
 * since the job wrote it (sync/others-work.ts): a three-way sync kept an
 * agent's edit and left the contact's updatedAt the job's, so only its content
 * says so. Nothing to tell without the job's base (an older journal).
 */
function holdsOthersWork(now: Contact, base: Base | undefined, before?: Contact): GuardedResult | undefined {
  const theirs = base === undefined ? [] : othersWork(now, base, before);
  if (theirs.length === 0) return undefined;
  return {
    kind: 'changedSince',
    why: `it holds what someone else put there since the job wrote it (${theirs.slice(0, 3).join(', ')}${theirs.length > 3 ? `, and ${theirs.length - 3} more` : ''}): someone else's work is not undone`,
  };
}

/** Whether two states of a contact hold the same names, externalId, items and custom values (ids and times aside). */
export function sameContent(a: Contact, b: Contact): boolean {
  const items = (list: readonly { name: string; value: string | null }[]) =>
    JSON.stringify(list.map((i) => [i.name, i.value]).sort());
  const fields = (c: Contact) => JSON.stringify(c.customFields.map((f) => [f.key, f.value]).sort());
  const df = (c: Contact) => [
    c.defaultFields.firstName,
    c.defaultFields.lastName,
    c.defaultFields.company,
    c.defaultFields.role,
    c.externalId,
  ];
  return (
    JSON.stringify(df(a)) === JSON.stringify(df(b)) &&
    items(a.defaultFields.emails) === items(b.defaultFields.emails) &&
    items(a.defaultFields.phoneNumbers) === items(b.defaultFields.phoneNumbers) &&
    fields(a) === fields(b)
  );
}
