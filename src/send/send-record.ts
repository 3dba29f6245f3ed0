import type { ApiClient, CallResult } from '../api/client.js';
import { contactRequestProblems, type Contact, type ContactRequest } from '../api/contract.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { ProblemCode } from '../mapping/problem.js';
import { describeApiError } from './api-error.js';
import { LookupFailed, type LookupBatcher } from './lookup.js';
import { updateBody } from './update-body.js';

export interface SendContext {
  readonly api: ApiClient;
  readonly journal: JournalWriter;
  readonly lookup: LookupBatcher;
  /** What to do with a contact the workspace had before this job: leave it, or PATCH it. */
  readonly onExisting: 'skip' | 'update';
}

export interface RecordToSend {
  readonly externalId: string;
  readonly line: number;
  readonly body: ContactRequest;
  /** An earlier run left a create's outcome unknown: the contact may exist already, made by this job. */
  readonly inDoubt: boolean;
  /** When that attempt left (epoch ms), if the journal says. */
  readonly attemptedAt?: number;
}

export type SendOutcome =
  | { readonly kind: 'created'; readonly contactId: string; readonly viaLookup: boolean }
  | { readonly kind: 'updated'; readonly contactId: string }
  /** The workspace had it before this job (a 409 no attempt of ours explains), left alone. */
  | { readonly kind: 'existing'; readonly contactId: string }
  /** `doubt`: the last attempt's outcome was unknown and could not be checked: the next run looks it up before sending. */
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly retryable: boolean; readonly doubt?: true }
  /** Stopped before it was sent; the next run sends it. */
  | { readonly kind: 'notSent' }
  /** Stopped after it was sent, before its answer came: the next run looks it up first. */
  | { readonly kind: 'inDoubt' };

type Known = { readonly kind: 'created'; readonly contactId: string; readonly viaLookup: true } | { readonly kind: 'absent' } | { readonly kind: 'lookupFailed'; readonly message: string };

/**
 * Creates one contact, at most once. The default path is one POST: the API
 * refuses a second contact with the same externalId (409), so nothing is looked
 * up first. Every attempt is journaled (durably) before it leaves, and an
 * attempt a lookup found absent is closed in the journal before the next one;
 * how the record ends is the caller's to journal (job/recorder.ts). Lookups are
 * kept for what needs them:
 * - an attempt whose outcome is unknown (timeout, reset, 5xx), now or in an
 *   earlier run, is looked up before any resend: a server without the
 *   uniqueness rule would take a blind resend as a second contact;
 * - a 409 after such an attempt means this job made the contact: its id is
 *   looked up and it is recorded as created;
 * - a 409 with no such attempt means the workspace had it before the job: left
 *   alone (`skip`) or PATCHed (`update`).
 */
export async function sendRecord(ctx: SendContext, rec: RecordToSend): Promise<SendOutcome> {
  /** An attempt of this job may have stored the contact. */
  let ours = rec.inDoubt;
  const fail = (code: string, message: string, retryable: boolean, doubt = false): SendOutcome => ({ kind: 'failed', code, message, retryable, ...(doubt && { doubt: true as const }) });
  // The last gate, where a body leaves: the mapping builds bodies the contract
  // accepts, so a refusal here is a bug of ours, never sent and never retried
  // (a record an earlier run left in doubt stays in doubt: it is not looked up here).
  const refused = contactRequestProblems(rec.body);
  if (refused.length > 0) return fail(ProblemCode.payloadInvalid, `${refused.join('; ')} (a bug in openphone-import: please report it with this line)`, false, rec.inDoubt);
  /** Known created → that outcome; absent → send (again); the lookup failed → stays in doubt. */
  const check = async (why: string): Promise<SendOutcome | undefined> => {
    const known = await resolveUnknown(ctx, rec.externalId);
    if (known.kind === 'created') return known;
    if (known.kind === 'lookupFailed') return fail('LOOKUP_FAILED', `${why}; then the lookup by externalId failed: ${known.message}`, true, true);
    return undefined;
  };

  if (rec.inDoubt) {
    // A run killed a moment ago may have left creates the server is still storing:
    // a lookup before it can no longer be working on them would miss them.
    if (rec.attemptedAt !== undefined) await ctx.api.sleep(rec.attemptedAt + ctx.api.settleMs - Date.now());
    const settled = await check('an earlier run left the outcome unknown');
    if (settled !== undefined) return settled;
  }
  const r: CallResult<SendOutcome> = await ctx.api.call(
    { method: 'POST', path: 'v1/contacts', body: rec.body },
    {
      count: 'creates',
      beforeSend: () => ctx.journal.durable({ t: 'attempt', id: rec.externalId, line: rec.line, at: Date.now() }),
      // Journaled as attempted but never sent: say so, so the next run need not look it up.
      notSent: () => ctx.journal.append({ t: 'absent', id: rec.externalId }),
      beforeResend: (why) => {
        ours = true;
        return check(why);
      },
    },
  );
  switch (r.kind) {
    case 'stopped':
      return r.sent || ours ? { kind: 'inDoubt' } : { kind: 'notSent' };
    case 'settled':
      return r.value;
    case 'gaveUp': {
      if (!r.mayHaveChanged) return fail(r.code, r.message, true);
      // Out of attempts after an unknown outcome: one last lookup tells created from failed.
      const why = `${r.message}; gave up after the last attempt`;
      return (await check(why)) ?? fail(r.code, why, true);
    }
    case 'answer':
      break;
  }
  const res = r.res;
  if (res.status === 201 || res.status === 200) {
    const contactId = (res.body as { data?: { id?: unknown } } | undefined)?.data?.id;
    // Made, but without its id: the next run finds it by lookup.
    if (typeof contactId !== 'string') return fail('API_BAD_RESPONSE', `the API answered ${res.status} without a contact id`, true, true);
    return { kind: 'created', contactId, viaLookup: false };
  }
  if (res.status === 409) return onConflict(ctx, rec, ours, fail);
  const api = describeApiError(res.status, res.body);
  return fail(api.code, api.message, false);
}

/** The workspace has a contact with this externalId. */
async function onConflict(ctx: SendContext, rec: RecordToSend, ours: boolean, fail: (code: string, message: string, retryable: boolean, doubt?: boolean) => SendOutcome): Promise<SendOutcome> {
  const lookup = await findContact(ctx, rec.externalId);
  if ('failed' in lookup) return fail('LOOKUP_FAILED', `the API answered 409 (the externalId exists); then the lookup of its contact failed: ${lookup.failed}`, true, ours);
  const contact = lookup.found;
  if (contact === undefined) {
    // A 409 for a contact no lookup finds: the API's index lags, or the match is looser than exact (case, spaces).
    return fail('CONFLICT_NOT_FOUND', `the API answered 409 (a contact with externalId ${JSON.stringify(rec.externalId)} exists), but no lookup finds it; a rerun tries again`, true, ours);
  }
  // An attempt of this job whose answer was lost stored it.
  if (ours) return { kind: 'created', contactId: contact.id, viaLookup: true };
  if (ctx.onExisting === 'update') return updateRecord(ctx, rec, contact, fail);
  return { kind: 'existing', contactId: contact.id };
}

/**
 * --on-existing update: PATCHes a contact the workspace had before this job
 * (update-body.ts says what the body keeps). After an unknown outcome the
 * contact is read again and the body rebuilt from it, so a resend adds nothing twice.
 */
async function updateRecord(ctx: SendContext, rec: RecordToSend, contact: Contact, fail: (code: string, message: string, retryable: boolean) => SendOutcome): Promise<SendOutcome> {
  let current = contact;
  const path = `v1/contacts/${encodeURIComponent(contact.id)}`;
  const r: CallResult<SendOutcome> = await ctx.api.call(() => ({ method: 'PATCH', path, body: updateBody(current, rec.body) }), {
    count: 'updates',
    beforeSend: () => ctx.journal.durable({ t: 'attempt', id: rec.externalId, line: rec.line, at: Date.now(), op: 'update' }),
    notSent: () => ctx.journal.append({ t: 'absent', id: rec.externalId }),
    beforeResend: async (why) => {
      const read = await ctx.api.call({ method: 'GET', path }, { count: 'lookups' });
      if (read.kind === 'answer' && read.res.status === 200) {
        current = (read.res.body as { data: Contact }).data;
        return undefined;
      }
      return fail('UPDATE_UNKNOWN', `update, ${why}; then reading the contact again failed${read.kind === 'answer' ? `: ${describeApiError(read.res.status, read.res.body).message}` : read.kind === 'gaveUp' ? `: ${read.message}` : ''}`, true);
    },
  });
  if (r.kind === 'stopped') return r.sent ? { kind: 'inDoubt' } : { kind: 'notSent' };
  if (r.kind === 'settled') return r.value;
  if (r.kind === 'gaveUp') return fail(r.code, `update: ${r.message}`, true);
  if (r.res.status === 200) return { kind: 'updated', contactId: contact.id };
  const api = describeApiError(r.res.status, r.res.body);
  return fail(api.code, `update: ${api.message}`, false);
}

/**
 * An attempt whose outcome is unknown, settled by a lookup: the contact exists
 * (created, with its id; the recorder journals it) or it does not (journaled
 * here as absent: the attempt is closed before the next one). A failed lookup
 * settles nothing and journals nothing: the record stays in doubt.
 */
async function resolveUnknown(ctx: Pick<SendContext, 'lookup' | 'journal'>, externalId: string): Promise<Known> {
  const lookup = await findContact(ctx, externalId);
  if ('failed' in lookup) return { kind: 'lookupFailed', message: lookup.failed };
  const found = lookup.found;
  if (found === undefined) {
    ctx.journal.append({ t: 'absent', id: externalId });
    return { kind: 'absent' };
  }
  return { kind: 'created', contactId: found.id, viaLookup: true };
}

/** A lookup by externalId: the contact, none, or why the API could not say (anything else is thrown). */
async function findContact(ctx: Pick<SendContext, 'lookup'>, externalId: string): Promise<{ found: Contact | undefined } | { failed: string }> {
  try {
    return { found: await ctx.lookup.find(externalId) };
  } catch (err) {
    if (err instanceof LookupFailed) return { failed: err.message };
    throw err;
  }
}
