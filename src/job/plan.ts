import { createHash } from 'node:crypto';
import type { CsvIgnored } from '../csv/read-csv.js';
import type { ResumeState } from '../journal/replay.js';
import type { Classified, RejectedRecord, ValidRecord } from '../pipeline/classify.js';

/** What earlier runs did, as far as one record's decision needs it. */
export type PastView = Pick<ResumeState, 'inDoubt' | 'updatesInDoubt' | 'attemptedAt' | 'failed'>;

/** A record an earlier run already created, found by the cheap path (Classifier.skipIfDone). */
export interface DoneRecord {
  readonly kind: 'done';
  readonly externalId: string;
}

export type Plan =
  /** Created (or found) by an earlier run: nothing to do. */
  | { readonly kind: 'skip' }
  /** Not a record at all: a blank row, a report's footer. */
  | { readonly kind: 'ignore'; readonly line: CsvIgnored }
  /** Not sendable: invalid, malformed or a duplicate in this file. */
  | { readonly kind: 'reject'; readonly record: RejectedRecord }
  /** Refused for good last time with this very body: sending it again would be refused again. */
  | { readonly kind: 'failedBefore'; readonly record: ValidRecord; readonly code: string; readonly message: string }
  /**
   * Send it. `inDoubt`: an earlier run's create may have stored it, so it is
   * looked up first (not before `attemptedAt` + the settle time).
   */
  | { readonly kind: 'send'; readonly record: ValidRecord; readonly inDoubt: boolean; readonly attemptedAt?: number };

/**
 * The decision for one record, from the record and the resume state alone:
 * pure, so every branch is unit-tested without HTTP. What happens after a
 * request (a 409, an unknown outcome, an update) is the sender's, because it
 * depends on the API's answer.
 */
export function planRecord(item: Classified | DoneRecord, past: PastView): Plan {
  if (item.kind === 'done') return { kind: 'skip' };
  if (item.kind === 'rejected') return { kind: 'reject', record: item };
  if (item.kind === 'ignored') return { kind: 'ignore', line: item };
  const id = item.externalId;
  const before = past.failed.get(id);
  if (before !== undefined && !before.retryable && before.body === bodyHash(item.payload)) {
    return { kind: 'failedBefore', record: item, code: before.code, message: `${before.message} (unchanged since an earlier run: fix the record to send it again)` };
  }
  // An update left in doubt is not a create of ours: its 409 is answered by updating again.
  const inDoubt = past.inDoubt.has(id) && !past.updatesInDoubt.has(id);
  const attemptedAt = inDoubt ? past.attemptedAt.get(id) : undefined;
  return { kind: 'send', record: item, inDoubt, ...(attemptedAt !== undefined && { attemptedAt }) };
}

/** A short hash of a request body: the journal keeps it with a failure, so a changed record is sent again. */
export const bodyHash = (body: unknown): string => createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);

/** A job with no history: the dry run. */
export const NO_PAST: PastView = { inDoubt: new Map(), updatesInDoubt: new Set(), attemptedAt: new Map(), failed: new Map() };
