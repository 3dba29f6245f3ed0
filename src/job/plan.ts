import { createHash } from 'node:crypto';
import type { IgnoredLine } from '../input/table.js';
import type { ResumeState } from '../journal/fold-state.js';
import type { Relation, ReviewDecision } from '../journal/events.js';
import type { Done } from '../journal/done-records.js';
import type { Classified, RejectedRecord, ValidRecord } from '../classify/classify.js';
import type { IndexedContact, Match } from '../workspace/index.js';
import { ProblemCode } from '../mapping/problem.js';

/** What earlier runs did, as far as one record's decision needs it. */
export type PastView = Pick<ResumeState, 'done' | 'inDoubt' | 'updatesInDoubt' | 'attemptedAt' | 'failed'> &
  Partial<Pick<ResumeState, 'decisions'>>;

/** How a run treats records an earlier run finished, and contacts the workspace had. */
export interface PlanRules {
  /** A record changed since the job last sent it: update its contact, or only report it. */
  readonly onChanged: 'update' | 'skip';
  /** A contact the workspace had before the job (same externalId): leave it, or PATCH it. */
  readonly onExisting: 'skip' | 'update';
  /** run --verify: an unchanged record's contact is read and compared with what the job wrote (drift). */
  readonly verify?: boolean;
}

export const DEFAULT_RULES: PlanRules = { onChanged: 'update', onExisting: 'skip' };

export type Plan =
  /** Not a record at all: a blank row, a report's footer. */
  | { readonly kind: 'ignore'; readonly line: IgnoredLine }
  /** Not sendable: invalid, malformed or a duplicate in this file. */
  | { readonly kind: 'reject'; readonly record: RejectedRecord }
  /** Refused for good last time with this very body: sending it again would be refused again. */
  | { readonly kind: 'failedBefore'; readonly record: ValidRecord; readonly code: string; readonly message: string }
  /** Finished by an earlier run and unchanged since (or kept no hash, an older journal): no request. */
  | { readonly kind: 'unchanged'; readonly record: ValidRecord }
  /** The workspace had its contact before the job, and the job leaves it alone: no request. */
  | { readonly kind: 'existing'; readonly record: ValidRecord }
  /** Changed since the job last sent it, and --on-changed skip: reported, not sent. */
  | { readonly kind: 'changed'; readonly record: ValidRecord }
  /** A person decided in review.csv not to import it. */
  | { readonly kind: 'skipped'; readonly record: ValidRecord }
  /** Matches contacts the job may not adopt on its own: listed in review.csv, not sent. */
  | {
      readonly kind: 'review';
      readonly record: ValidRecord;
      readonly candidates: readonly IndexedContact[];
      readonly why: string;
    }
  /**
   * Send it: a create (`inDoubt`: an earlier run's create may have stored it,
   * so it is looked up first, not before `attemptedAt` + the settle time), an
   * update of a changed record (`sync`), or an adoption (`adopt`).
   */
  | {
      readonly kind: 'send';
      readonly record: ValidRecord;
      readonly inDoubt: boolean;
      readonly attemptedAt?: number;
      readonly sync?: {
        readonly relation: Relation;
        /** Where the journal line of the record's last write is: its contact's id, and its base on the next line when `hasBase`. */
        readonly writeAt?: number;
        readonly hasBase?: true;
        readonly verify?: true;
      };
      readonly adopt?: IndexedContact;
      /** Another integration's contact holds the record's externalId (workspace/index.ts): left alone, as existing, with no request. */
      readonly heldElsewhere?: IndexedContact;
      /** A contact of the job's source that another job made holds it (workspace/index.ts): existing with no request, or PATCHed (--on-existing update). */
      readonly ofJobSource?: IndexedContact;
    };

/** A plan that makes a contact: no earlier write, adoption or doubt, and no other integration's contact holding the id. */
export const isCreate = (plan: Extract<Plan, { kind: 'send' }>): boolean =>
  plan.sync === undefined && plan.adopt === undefined && !plan.inDoubt && plan.heldElsewhere === undefined;

/**
 * The decision for one record, from the record, the journal's view of it and
 * what the workspace index matched (workspace/index.ts): pure, so every branch is a row of a table
 * test. What happens after a request (a 409, an unknown outcome) is the
 * sender's, because it depends on the API's answer.
 */
export function planRecord(
  item: Classified,
  past: PastView,
  rules: PlanRules = DEFAULT_RULES,
  match: Match = { kind: 'none' },
): Plan {
  if (item.kind === 'rejected') return { kind: 'reject', record: item };
  if (item.kind === 'ignored') return { kind: 'ignore', line: item };
  const id = item.externalId;
  const before = past.failed.get(id);
  const done = past.done.get(id);
  // Hashed only when the journal has something to compare it with: a new record's body is hashed by its sender.
  const hash = before !== undefined || done?.hash !== undefined ? bodyHash(item.payload) : undefined;
  const failedBefore = before !== undefined && !before.retryable && before.body === hash;
  const duplicate = stillDuplicate(item, past);
  if (duplicate !== undefined) return { kind: 'reject', record: duplicate };
  if (done !== undefined) {
    if (done.relation === 'existing' && rules.onExisting === 'skip') return { kind: 'existing', record: item };
    // --verify: the job's own contact is read and compared with what it wrote (restored if gone, drift listed).
    if (rules.verify && done.relation !== 'existing' && done.hash === hash)
      return {
        kind: 'send',
        record: item,
        inDoubt: false,
        sync: { relation: done.relation, verify: true, ...lastWriteOf(done) },
      };
    // A journal of an older version kept no hash: nothing tells a change, so nothing is sent.
    if (done.hash === undefined || done.hash === hash) return { kind: 'unchanged', record: item };
    if (rules.onChanged === 'skip') return { kind: 'changed', record: item };
  }
  if (failedBefore) {
    return {
      kind: 'failedBefore',
      record: item,
      code: before.code,
      message: `${before.message} (unchanged since an earlier run: fix the record to send it again)`,
    };
  }
  if (done !== undefined)
    return {
      kind: 'send',
      record: item,
      inDoubt: false,
      sync: { relation: done.relation, ...lastWriteOf(done) },
    };
  // An update left in doubt is not a create of ours: its 409 is answered by updating again.
  const inDoubt = past.inDoubt.has(id) && !past.updatesInDoubt.has(id);
  if (inDoubt) {
    const attemptedAt = past.attemptedAt.get(id);
    return { kind: 'send', record: item, inDoubt, ...(attemptedAt !== undefined && { attemptedAt }) };
  }
  // A person's decision on a record review.csv listed comes before any match (the pipeline matches none then).
  const decided = decisionPlan(item, past.decisions?.get(id));
  if (decided !== undefined) return decided;
  if (match.kind === 'review') return { kind: 'review', record: item, candidates: match.candidates, why: match.why };
  if (match.kind === 'adopt') return { kind: 'send', record: item, inDoubt: false, adopt: match.contact };
  if (match.kind === 'heldElsewhere')
    return { kind: 'send', record: item, inDoubt: false, heldElsewhere: match.contact };
  if (match.kind === 'ofJobSource') return { kind: 'send', record: item, inDoubt: false, ofJobSource: match.contact };
  return { kind: 'send', record: item, inDoubt: false };
}

/** What a person decided in review.csv for this record: skip it, create it, or adopt the contact they chose. */
function decisionPlan(item: ValidRecord, decision: ReviewDecision | undefined): Plan | undefined {
  if (decision?.kind === 'skip') return { kind: 'skipped', record: item };
  if (decision?.kind === 'create') return { kind: 'send', record: item, inDoubt: false };
  if (decision?.kind === 'adopt')
    return {
      kind: 'send',
      record: item,
      inDoubt: false,
      adopt: { id: decision.contactId, externalId: null, name: '', firstName: null, lastName: null },
    };
  return undefined;
}

/**
 * A failure report's row that failed as a second record of an id whose first
 * record the job has finished (or whose create is in doubt): rerun alone, it
 * is no change of that record's contact. It stays a duplicate until it has an
 * id of its own; undefined for any other record.
 */
function stillDuplicate(item: ValidRecord, past: PastView): RejectedRecord | undefined {
  const { line, externalId, fields } = item;
  if (!item.failedAsDuplicate || !(past.done.has(externalId) || past.inDoubt.has(externalId))) return undefined;
  const message =
    'externalId already used by a record this job imported; this row failed as its duplicate, and only the first is imported: give the row an externalId of its own to import it as another contact, or change the first record in the source to change its contact';
  return {
    kind: 'rejected',
    bucket: 'duplicate',
    line,
    externalId,
    fields,
    problems: [{ code: ProblemCode.duplicateExternalId, line, value: externalId, message }],
  };
}

/** A short hash of a request body: the journal keeps it, so a changed record is sent again and an unchanged one is not. */
export const bodyHash = (body: unknown): string =>
  createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);

/** Where a finished record's last write is (its contact), and whether its base follows it. */
const lastWriteOf = (done: Done): { writeAt?: number; hasBase?: true } =>
  done.writeAt === undefined ? {} : { writeAt: done.writeAt, ...(done.hasBase && { hasBase: true as const }) };
