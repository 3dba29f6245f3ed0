import type { ApiClient, CallResult } from '../api/client.js';
import type { ApiResponse } from '../api/transport.js';
import {
  contactRequestProblems,
  sourceOf,
  type Contact,
  type ContactRequest,
  contactInBody,
  NOT_A_CONTACT,
} from '../api/contract.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { ProblemCode } from '../mapping/problem.js';
import type { Relation } from '../journal/events.js';
import { proveOwnershipSharp } from '../ownership/prove-sharp.js';
import type { IndexedContact } from '../workspace/index.js';
import { describeApiError, refusesKeyOrRoute } from '../api/api-error.js';
import type { LookupBatcher, LookupResult } from '../api/lookup.js';
import { syncBody, updateBody } from './update-body.js';
import type { Base } from '../sync/base.js';
import { type Conflict, type SyncRules, type ThreeWay } from '../sync/three-way.js';
import { driftOf, driftRepairBody, type Drift } from '../sync/drift.js';

export interface SendContext {
  readonly api: ApiClient;
  readonly journal: JournalWriter;
  readonly lookup: LookupBatcher;
  /** What to do with a contact the workspace had before this job: leave it, or PATCH it. */
  readonly onExisting: 'skip' | 'update';
  /** How an update treats the contact's own emails, phones and custom fields (update-body.ts), and a sync's conflicts and field modes (sync/three-way.ts). */
  readonly arrays: 'keep' | 'source';
  readonly sync?: Omit<SyncRules, 'arrays'>;
}

export interface RecordToSend {
  readonly externalId: string;
  readonly line: number;
  readonly body: ContactRequest;
  /** An earlier run left a create's outcome unknown: the contact may exist already, made by this job. */
  readonly inDoubt: boolean;
  /** When the first attempt still open left (epoch ms), if the journal says. */
  readonly attemptedAt?: number;
  /**
   * A record an earlier run finished that changed since: its contact is
   * updated (a sync). `current`: its lookup, when it was asked early (import-records
   * asks when the record is planned, so that lookups gather 20 ids a request).
   */
  readonly sync?: {
    readonly relation: Relation;
    /** Its contact, as the journal's last write names it; unknown to a journal that kept none. */
    readonly contactId?: string;
    readonly current?: Promise<LookupResult>;
    readonly base?: Base;
    readonly verify?: true;
  };
  /** A contact of the workspace without an externalId that this record matches alone: it is adopted. */
  readonly adopt?: IndexedContact;
  /** Another integration's contact that holds the record's externalId, as the workspace's listing showed it: nothing is sent. */
  readonly heldElsewhere?: IndexedContact;
  /** A contact of the job's source another job made holds the externalId (the index says): --on-existing skip leaves it with no request. */
  readonly ofJobSource?: IndexedContact;
}

/**
 * How a PATCH changed what the job is to the contact:
 * 'sync' (a later update of a contact it holds already), 'updated' (its first
 * PATCH of a contact the workspace had), 'adopted' (it gave a contact without
 * an externalId this one).
 */
export type UpdateKind = 'sync' | 'updated' | 'adopted';

export type SendOutcome =
  /** This job made the contact: a 201, or a lookup's proof (ownership/prove.ts). */
  | {
      readonly kind: 'created';
      readonly contactId: string;
      readonly viaLookup: boolean;
      readonly updatedAt?: string;
      readonly restored?: true;
    }
  /**
   * run --verify read the job's contact: as the job wrote it (no drift), or
   * drifted (listed; `repaired` when written back, update.conflicts "source").
   */
  | {
      readonly kind: 'verified';
      readonly contactId: string;
      readonly drift: readonly Drift[];
      readonly repaired?: { readonly updatedAt?: string };
    }
  /** `conflicts`: what a three-way sync met (sync/three-way.ts); `unsent`: the sync had nothing to write (no PATCH left). */
  | {
      readonly kind: 'updated';
      readonly contactId: string;
      readonly how: UpdateKind;
      readonly updatedAt?: string;
      readonly conflicts?: readonly Conflict[];
      readonly unsent?: true;
    }
  /**
   * The workspace had it before this job (a 409 no proven attempt of ours
   * explains), left alone. `ofJobSource`: the contact carries the config's own
   * source, so another job made it (another state directory, or a lost one).
   */
  | { readonly kind: 'existing'; readonly contactId: string; readonly why?: string; readonly ofJobSource?: true }
  /**
   * `doubt`: the last attempt's outcome was unknown and could not be checked:
   * the next run looks it up before sending. `namesField`: the API's refusal
   * points at a field of this record (its own fault, never a job-wide one).
   */
  | {
      readonly kind: 'failed';
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      readonly doubt?: true;
      readonly namesField?: true;
    }
  /** Stopped before it was sent; the next run sends it. */
  | { readonly kind: 'notSent' }
  /** Stopped after it was sent, before its answer came: the next run looks it up first. */
  | { readonly kind: 'inDoubt' }
  /** The API refused to let the job adopt the matched contact: the record's, for review.csv, never a failure of the job. */
  | { readonly kind: 'review'; readonly why: string; readonly candidates: readonly IndexedContact[] };

type Fail = (code: string, message: string, retryable: boolean, doubt?: boolean) => SendOutcome;

const fail: Fail = (code, message, retryable, doubt = false) => ({
  kind: 'failed',
  code,
  message,
  retryable,
  ...(doubt && { doubt: true as const }),
});

/**
 * One record to the workspace, at most once: a create, an update of a changed
 * record (a sync), or an adoption. Every attempt is journaled (durably) before
 * it leaves; how the record ends is the caller's to journal (job/recorder.ts).
 */
export async function sendRecord(ctx: SendContext, rec: RecordToSend): Promise<SendOutcome> {
  // The last gate, where a body leaves: the mapping builds bodies the contract
  // accepts, so a refusal here is a bug of ours, never sent and never retried
  // (a record an earlier run left in doubt stays in doubt: it is not looked up here).
  const refused = contactRequestProblems(rec.body);
  if (refused.length > 0)
    return fail(
      ProblemCode.payloadInvalid,
      `${refused.join('; ')} (a bug in openphone-import: please report it with this line)`,
      false,
      rec.inDoubt,
    );
  if (rec.heldElsewhere !== undefined) return heldByAnotherSource(rec.heldElsewhere);
  // Its create would meet 409 and a lookup would find this contact: the same end, without the two requests.
  if (rec.ofJobSource !== undefined && ctx.onExisting === 'skip')
    return { kind: 'existing', contactId: rec.ofJobSource.id, ofJobSource: true };
  if (rec.adopt !== undefined) return adoptContact(ctx, rec, rec.adopt.id);
  if (rec.sync?.verify) return verifyRecord(ctx, rec, rec.sync.current, rec.sync.base);
  if (rec.sync !== undefined) return syncRecord(ctx, rec, rec.sync.relation, rec.sync.current, rec.sync.base);
  return createRecord(ctx, rec);
}

/**
 * A create. The default path is one POST: the API refuses a second contact
 * with the same externalId (409), so nothing is looked up first. Lookups are
 * kept for what needs them:
 * - an attempt whose outcome is unknown (timeout, reset, 5xx), now or in an
 *   earlier run, is looked up before any resend: a server without the
 *   uniqueness rule would take a blind resend as a second contact;
 * - what a lookup finds is the job's only when proven (ownership/prove.ts):
 *   made after the job's first open attempt left. Anything else was there
 *   before: left alone (`skip`) or PATCHed (`update`), never called created.
 */
async function createRecord(ctx: SendContext, rec: RecordToSend): Promise<SendOutcome> {
  /** An attempt of this job whose answer was lost may have stored the contact. */
  let mayBeOurs = rec.inDoubt;
  /**
   * When the first of this record's attempts left: what a contact found later
   * must be younger than to be the job's. Unknown for an attempt an older
   * journal kept no time for: then nothing found is proven the job's.
   */
  const departureKnown = !rec.inDoubt || rec.attemptedAt !== undefined;
  let firstAt = rec.inDoubt ? rec.attemptedAt : undefined;
  /** Found absent → undefined (send again); anything else ends the record. */
  const settle = async (why: string): Promise<SendOutcome | undefined> => {
    const found = await findContacts(ctx, rec.externalId);
    if (found.kind === 'failed')
      return fail('LOOKUP_FAILED', `${why}; then the lookup by externalId failed: ${found.why}`, true, true);
    // Another source's contact with the externalId is not what this record's create made (identity is source + externalId).
    const proof = await proveOwnershipSharp(ctx.api, ofSource(found.contacts, rec.body), firstAt);
    if (proof.kind === 'absent') {
      ctx.journal.append({ t: 'absent', id: rec.externalId });
      return undefined;
    }
    if (proof.kind === 'ours')
      return { kind: 'created', contactId: proof.contact.id, viaLookup: true, updatedAt: proof.contact.updatedAt };
    if (proof.kind === 'uncalibrated') return unproven(why);
    return foreign(ctx, rec, proof.contact, proof.why);
  };

  if (rec.inDoubt) {
    // A run killed a moment ago may have left creates the server is still storing:
    // a lookup before it can no longer be working on them would miss them.
    if (rec.attemptedAt !== undefined) await ctx.api.sleep(rec.attemptedAt + ctx.api.settleMs - Date.now());
    // Stopped during the wait: it stays in doubt, for the next run to look up.
    if (ctx.api.stopping) return { kind: 'inDoubt' };
    const settled = await settle('an earlier run left the outcome unknown');
    if (settled !== undefined) return settled;
  }
  const r: CallResult<SendOutcome> = await ctx.api.call(
    { method: 'POST', path: 'v1/contacts', body: rec.body },
    {
      count: 'creates',
      beforeSend: () => {
        const at = Date.now();
        if (departureKnown) firstAt ??= at;
        return ctx.journal.durable({ t: 'attempt', id: rec.externalId, line: rec.line, at });
      },
      // Journaled as attempted but never sent: say so, so the next run need not look it up.
      notSent: () => ctx.journal.append({ t: 'absent', id: rec.externalId }),
      beforeResend: (why) => {
        mayBeOurs = true;
        return settle(why);
      },
    },
  );
  switch (r.kind) {
    case 'stopped':
      return r.sent || mayBeOurs ? { kind: 'inDoubt' } : { kind: 'notSent' };
    case 'settled':
      return r.value;
    case 'gaveUp': {
      if (!r.mayHaveChanged) return fail(r.code, r.message, true);
      // Out of attempts after an unknown outcome: one last lookup tells created from failed.
      const why = `${r.message}; gave up after the last attempt`;
      return (await settle(why)) ?? fail(r.code, why, true);
    }
    case 'answer':
      return answerToCreate(ctx, rec, r.res, mayBeOurs ? { firstAt } : undefined);
  }
}

/** What the API's answer to a create says: made (201), a contact with the externalId already there (409), or refused. */
function answerToCreate(
  ctx: SendContext,
  rec: RecordToSend,
  res: ApiResponse,
  ours: { firstAt: number | undefined } | undefined,
): Promise<SendOutcome> | SendOutcome {
  if (res.status === 201 || res.status === 200) {
    const data = (res.body as { data?: { id?: unknown; updatedAt?: unknown } } | undefined)?.data;
    // Made, but without its id: the next run finds it by lookup.
    if (typeof data?.id !== 'string')
      return fail('API_BAD_RESPONSE', `the API answered ${res.status} without a contact id`, true, true);
    return {
      kind: 'created',
      contactId: data.id,
      viaLookup: false,
      ...(typeof data.updatedAt === 'string' && { updatedAt: data.updatedAt }),
    };
  }
  if (res.status === 409) return onConflict(ctx, rec, ours);
  return refused(res.status, res.body);
}

/**
 * A contact holds the externalId after an attempt of ours whose answer was
 * lost, and no create of this run has calibrated the clock that tells ours
 * from the workspace's (api/server-clock.ts): neither claimed nor called the
 * workspace's; it stays in doubt, and the next run looks it up again.
 */
const unproven = (why: string): SendOutcome =>
  fail(
    'OWNERSHIP_UNPROVEN',
    `${why}; a contact holds the externalId, but whether this job made it cannot be proven yet: no create of this run was answered, so the clock that stamps contacts is not calibrated. A rerun looks it up again`,
    true,
    true,
  );

/**
 * Answers to an adoption PATCH that refuse it for this contact (whether v1 lets
 * an integration change a contact made in the app is not documented): the
 * record goes to review.csv, the job goes on.
 */
const ADOPTION_REFUSALS = new Set([403, 404, 409, 422]);

/** A refusal by the API: failed for good, unless it speaks of the key or the route (then the next run sends it again). */
function refused(status: number, body: unknown, context = ''): SendOutcome {
  const api = describeApiError(status, body);
  const ofTheKey = refusesKeyOrRoute(status);
  return {
    kind: 'failed',
    code: api.code,
    message: `${context}${api.message}${ofTheKey ? " (the key, its permissions or the API's address, not the record: sent again on the next run)" : ''}`,
    retryable: ofTheKey,
    ...(api.namesField && { namesField: true as const }),
  };
}

/**
 * The workspace has a contact with this externalId (409). It is the job's
 * only when an attempt of the job's got no answer (`open`) and the proof holds
 * for it; otherwise the workspace had it (foreign).
 */
async function onConflict(
  ctx: SendContext,
  rec: RecordToSend,
  open: { firstAt: number | undefined } | undefined,
): Promise<SendOutcome> {
  const found = await findContacts(ctx, rec.externalId);
  const doubt = open !== undefined;
  if (found.kind === 'failed')
    return fail(
      'LOOKUP_FAILED',
      `the API answered 409 (the externalId exists); then the lookup of its contact failed: ${found.why}`,
      true,
      doubt,
    );
  // A 409 for a contact no lookup finds: the API's index lags, or the match is looser than exact (case, spaces).
  if (found.contacts.length === 0)
    return fail(
      'CONFLICT_NOT_FOUND',
      `the API answered 409 (a contact with externalId ${JSON.stringify(rec.externalId)} exists), but no lookup finds it; a rerun tries again`,
      true,
      doubt,
    );
  const same = ofSource(found.contacts, rec.body);
  // Only another integration's contact holds the externalId: never this job's to claim or change.
  if (same.length === 0) return heldByAnotherSource(found.contacts[0]!);
  if (open === undefined) return foreign(ctx, rec, same[0]!, undefined);
  const proof = await proveOwnershipSharp(ctx.api, same, open.firstAt);
  if (proof.kind === 'uncalibrated')
    return unproven('the API answered 409 (the externalId exists) after an attempt whose answer was lost');
  if (proof.kind === 'ours')
    return { kind: 'created', contactId: proof.contact.id, viaLookup: true, updatedAt: proof.contact.updatedAt };
  return foreign(
    ctx,
    rec,
    proof.kind === 'notOurs' ? proof.contact : same[0]!,
    proof.kind === 'notOurs' ? proof.why : undefined,
  );
}

/** Another integration's contact holds the record's externalId: the workspace's, left alone. */
const heldByAnotherSource = (contact: { id: string; source?: string }): SendOutcome => ({
  kind: 'existing',
  contactId: contact.id,
  why: `another source (${JSON.stringify(contact.source)}) holds a contact with this externalId; it is not this job's to change`,
});

/**
 * The record's contact is gone, but another integration's holds its externalId
 * now: the person is in the workspace through it. Made again, the contact
 * would meet 409, or, where the API keeps ids per source, be the person twice.
 */
function heldElsewhereNow(contacts: readonly Contact[], rec: RecordToSend): SendOutcome | undefined {
  const other = otherSourceHolder(contacts, rec.body);
  return other === undefined ? undefined : heldByAnotherSource(other);
}

/** Another integration's contact among those holding the record's externalId. */
export const otherSourceHolder = (contacts: readonly Contact[], body: ContactRequest): Contact | undefined =>
  contacts.find((c) => c.source !== sourceOf(body));

/** A contact of the record's source that the workspace had before this job holds the record's externalId. */
function foreign(
  ctx: SendContext,
  rec: RecordToSend,
  contact: Contact,
  why: string | undefined,
): Promise<SendOutcome> | SendOutcome {
  if (ctx.onExisting === 'update') return patchContact(ctx, rec, contact, 'updated');
  return { kind: 'existing', contactId: contact.id, ofJobSource: true, ...(why !== undefined && { why }) };
}

/**
 * A changed record whose contact an earlier run made, adopted or updated: the
 * contact is read (lookups by externalId, 20 a request), merged with the
 * record, and PATCHed. A contact deleted in the app since is made again.
 */
async function syncRecord(
  ctx: SendContext,
  rec: RecordToSend,
  relation: Relation,
  current?: Promise<LookupResult>,
  base?: Base,
): Promise<SendOutcome> {
  const found = await findContacts(ctx, rec.externalId, current);
  if (found.kind === 'failed')
    return fail('LOOKUP_FAILED', `a changed record: reading its contact failed: ${found.why}`, true);
  // Another integration's contact with the same externalId is never updated.
  const mine = recordsContact(found.contacts, rec);
  if (mine.length === 0) return heldElsewhereNow(found.contacts, rec) ?? createRecord(ctx, { ...rec, inDoubt: false });
  if (mine.length > 1) {
    return fail(
      'EXTERNAL_ID_AMBIGUOUS',
      `${mine.length} contacts hold this externalId (${mine.map((c) => c.id).join(', ')}): which to update cannot be told; delete the extra ones in OpenPhone and run again`,
      false,
    );
  }
  // The first PATCH of a contact the workspace had keeps its state before (a prior event in the journal).
  const how = relation === 'existing' ? 'updated' : 'sync';
  return patchContact(ctx, rec, mine[0]!, how, synced(ctx, rec, relation === 'existing' ? undefined : base));
}

/**
 * run --verify, for a record unchanged since the job wrote it: its contact is
 * read (20 a lookup) and compared with the base. Deleted in the app: made
 * again (restored). Changed in the app: listed as drift, and written back only
 * with update.conflicts "source". As written: nothing is sent.
 */
async function verifyRecord(
  ctx: SendContext,
  rec: RecordToSend,
  current?: Promise<LookupResult>,
  base?: Base,
): Promise<SendOutcome> {
  const found = await findContacts(ctx, rec.externalId, current);
  if (found.kind === 'failed') return fail('LOOKUP_FAILED', `--verify: reading its contact failed: ${found.why}`, true);
  const mine = recordsContact(found.contacts, rec);
  if (mine.length === 0) {
    const elsewhere = heldElsewhereNow(found.contacts, rec);
    if (elsewhere !== undefined) return elsewhere;
    const made = await createRecord(ctx, { ...rec, inDoubt: false });
    return made.kind === 'created' ? { ...made, restored: true } : made;
  }
  const contact = mine[0]!;
  const drift = base === undefined ? [] : driftOf(contact, rec.body, base);
  if (drift.length === 0 || ctx.sync?.conflicts !== 'source') return { kind: 'verified', contactId: contact.id, drift };
  const written = await patchContact(ctx, rec, contact, 'sync', driftRepair(rec, base!));
  // Written back (or, read again after a lost answer, found written): the drift stands as found, repaired.
  return written.kind === 'updated'
    ? {
        kind: 'verified',
        contactId: contact.id,
        drift,
        repaired: written.updatedAt !== undefined ? { updatedAt: written.updatedAt } : {},
      }
    : written;
}

/**
 * Adopts a contact the workspace index matched: read as it is now (the index
 * keeps only ids and names, and the state before the PATCH is what a rollback
 * restores), then PATCHed with the record's externalId and fields, keeping its
 * own items. A contact deleted meanwhile is made anew; one that got an
 * externalId meanwhile is left to the next run's review.
 */
async function adoptContact(ctx: SendContext, rec: RecordToSend, contactId: string): Promise<SendOutcome> {
  const read = await ctx.api.call(
    { method: 'GET', path: `v1/contacts/${encodeURIComponent(contactId)}` },
    { count: 'lookups' },
  );
  if (read.kind === 'stopped' || read.kind === 'settled') return { kind: 'notSent' };
  if (read.kind === 'gaveUp')
    return fail(read.code, `adopting contact ${contactId}: reading it failed: ${read.message}`, true);
  if (read.res.status === 404) return createRecord(ctx, { ...rec, inDoubt: false });
  if (read.res.status !== 200)
    return fail(
      'ADOPT_READ_FAILED',
      `adopting contact ${contactId}: reading it failed: ${describeApiError(read.res.status, read.res.body).message}`,
      true,
    );
  const contact = contactInBody(read.res.body);
  if (contact === undefined)
    return fail('API_ANSWER_INVALID', `adopting contact ${contactId}: reading it: ${NOT_A_CONTACT}`, true);
  if (contact.externalId !== null && contact.externalId !== rec.externalId) {
    return fail(
      'ADOPT_CONFLICT',
      `contact ${contactId} got externalId ${JSON.stringify(contact.externalId)} meanwhile: not adopted; the next run lists it in review.csv`,
      true,
    );
  }
  return patchContact(ctx, rec, contact, 'adopted');
}

/** After an unknown outcome of a PATCH: the contact as it is now, or the failure that ends the record (a rerun reads it again). */
async function readAgain(ctx: SendContext, path: string, why: string): Promise<{ contact: Contact } | SendOutcome> {
  const read = await ctx.api.call({ method: 'GET', path }, { count: 'lookups' });
  const reread = read.kind === 'answer' && read.res.status === 200 ? contactInBody(read.res.body) : undefined;
  if (reread !== undefined) return { contact: reread };
  return fail(
    'UPDATE_UNKNOWN',
    `update, ${why}; then reading the contact again failed${read.kind === 'answer' ? `: ${describeApiError(read.res.status, read.res.body).message}` : read.kind === 'gaveUp' ? `: ${read.message}` : ''}`,
    true,
  );
}

/**
 * PATCHes a contact with the record (update-body.ts says what the body keeps):
 * a sync, the first update of a contact the workspace had, or an adoption (the
 * record's externalId too). A contact the job did not make is saved as it was
 * before its first PATCH. After an unknown outcome the contact is read again
 * and the body rebuilt from it, so a resend adds nothing twice.
 */
async function patchContact(
  ctx: SendContext,
  rec: RecordToSend,
  contact: Contact,
  how: UpdateKind,
  build: BodyBuilder = twoWay(ctx, rec, how),
): Promise<SendOutcome> {
  let current = contact;
  const path = `v1/contacts/${encodeURIComponent(contact.id)}`;
  // Its state before the job's first PATCH: the attempt's durable write below puts this line on disk before the PATCH leaves.
  if (how !== 'sync') ctx.journal.append({ t: 'prior', id: rec.externalId, cid: contact.id, c: contact });
  const first = build(current);
  // Nothing is to be written (the workspace has it, or keeps its own edit): no request.
  // Its updatedAt is not the job's write: the journal keeps the last one that was (ownership/created-by-job.ts).
  if (first.body === null)
    return { kind: 'updated', contactId: contact.id, how, conflicts: first.conflicts, unsent: true };
  let conflicts = first.conflicts;
  const body = () => {
    // Rebuilt from the contact read again after an unknown outcome.
    const again = build(current);
    conflicts = again.conflicts;
    return again.body ?? {};
  };
  const r: CallResult<SendOutcome> = await ctx.api.call(() => ({ method: 'PATCH', path, body: body() }), {
    count: 'updates',
    beforeSend: () =>
      ctx.journal.durable({ t: 'attempt', id: rec.externalId, line: rec.line, at: Date.now(), op: 'update' }),
    notSent: () => ctx.journal.append({ t: 'absent', id: rec.externalId }),
    beforeResend: async (why) => {
      const read = await readAgain(ctx, path, why);
      if ('kind' in read) return read;
      current = read.contact;
      return undefined;
    },
  });
  if (r.kind === 'stopped') return r.sent ? { kind: 'inDoubt' } : { kind: 'notSent' };
  if (r.kind === 'settled') return r.value;
  if (r.kind === 'gaveUp') return fail(r.code, `update: ${r.message}`, true);
  if (r.res.status === 200) {
    const updatedAt = (r.res.body as { data?: { updatedAt?: unknown } } | undefined)?.data?.updatedAt;
    return {
      kind: 'updated',
      contactId: contact.id,
      how,
      ...(typeof updatedAt === 'string' && { updatedAt }),
      ...(conflicts.length > 0 && { conflicts }),
    };
  }
  if (how === 'adopted' && rec.adopt !== undefined && ADOPTION_REFUSALS.has(r.res.status)) {
    // Read a moment ago, so a 404 is no deletion: the API will not let the job change this contact.
    return {
      kind: 'review',
      why: `the API refused to let the job adopt it: ${describeApiError(r.res.status, r.res.body).message}`,
      candidates: [rec.adopt],
    };
  }
  // Deleted in the app meanwhile: the next run finds no contact and makes it again.
  if (r.res.status === 404)
    return fail('CONTACT_GONE', `update: contact ${contact.id} was deleted meanwhile; a rerun makes it again`, true);
  return refused(r.res.status, r.res.body, 'update: ');
}

/** The contacts of the record's source (the API's default when the record names none): a contact's identity is its source and externalId. */
const ofSource = (contacts: readonly Contact[], body: ContactRequest): Contact[] =>
  contacts.filter((c) => c.source === sourceOf(body));

/**
 * A finished record's contact among those holding its externalId. One the job
 * wrote (made, adopted, updated) is the one its last write named: an adopted
 * contact keeps the app's source, so its source does not say it is the job's.
 * Otherwise (an `existing` record's contact may be another integration's, or a
 * journal kept no id) it is the one of the record's source.
 */
export const recordsContact = (contacts: readonly Contact[], rec: Pick<RecordToSend, 'body' | 'sync'>): Contact[] => {
  const id = rec.sync?.relation === 'existing' ? undefined : rec.sync?.contactId;
  return id === undefined ? ofSource(contacts, rec.body) : contacts.filter((c) => c.id === id);
};

/** A PATCH's body from the contact as last read: null when there is nothing to write, and the conflicts met (ThreeWay's shape). */
type BodyBuilder = (current: Contact) => ThreeWay;

/** The record's fields onto the contact (update-body.ts): an adoption, a first update, or a sync of a journal without a base. */
const twoWay =
  (ctx: SendContext, rec: RecordToSend, how: UpdateKind): BodyBuilder =>
  (current) => ({
    body: { ...updateBody(current, rec.body, ctx.arrays), ...(how === 'adopted' && { externalId: rec.externalId }) },
    conflicts: [],
  });

/** A sync writes only what the source changed since its base (sync/three-way.ts); without one, the record's fields. */
const synced =
  (ctx: SendContext, rec: RecordToSend, base: Base | undefined): BodyBuilder =>
  (current) =>
    syncBody(current, rec.body, base, {
      conflicts: ctx.sync?.conflicts ?? 'workspace',
      fields: ctx.sync?.fields ?? { custom: {} },
      arrays: ctx.arrays,
    });

/** --verify with update.conflicts "source": the drifted fields written back (sync/drift.ts). */
const driftRepair =
  (rec: RecordToSend, base: Base): BodyBuilder =>
  (current) => {
    const drift = driftOf(current, rec.body, base);
    return { body: drift.length === 0 ? null : driftRepairBody(current, rec.body, drift), conflicts: [] };
  };

/** A lookup by externalId, or its answer asked earlier (job/import-records.ts asks changed records' ahead). */
const findContacts = (
  ctx: Pick<SendContext, 'lookup'>,
  externalId: string,
  asked?: Promise<LookupResult>,
): Promise<LookupResult> => asked ?? ctx.lookup.find(externalId);
