import type { Contact } from '../api/contract.js';
import { SHARP_MS, type ServerClock } from '../api/server-clock.js';

/**
 * The one place that decides whether a contact found by externalId after an
 * unanswered create was made by that create. Only two things make a contact
 * the job's: a 201 to its own POST (no proof needed), or this proof.
 *
 * The proof: the contact's `createdAt` (server clock) is no earlier than the
 * moment the job's first unanswered attempt for the record left, taken on the
 * clock that stamps contacts, calibrated by the job's own 201 answers
 * (api/server-clock.ts), at its earliest. A `Date` header alone proves
 * nothing: a gateway may rewrite it. Before any calibration nothing is claimed. A contact made within the
 * estimate's error of the departure could be either: then the estimate is
 * first sharpened to SHARP_MS (a few requests timed across a second's
 * boundary), so the allowance only admits a contact made within milliseconds
 * before the attempt, and one the workspace had before the job, or another job
 * made earlier, is never claimed. The departure is the attempt's journaled time,
 * just before the request queued for the rate limit.
 *
 * Several candidates made after the departure (a server without the uniqueness
 * rule, and another writer at the same moment) prove nothing: none is claimed.
 */
export type Ownership =
  | { readonly kind: 'ours'; readonly contact: Contact }
  /**
   * A candidate was made within the clock estimate's error of the departure,
   * and the error is wider than SHARP_MS: sharpen the estimate, then prove
   * again with `final` (ownership/prove-sharp.ts).
   */
  | { readonly kind: 'unsure' }
  /** A contact holds the externalId, but it was not proven made by the attempt: the workspace's, left alone. */
  | { readonly kind: 'notOurs'; readonly contact: Contact; readonly why: string }
  /** No contact holds the externalId: the attempt made none. */
  | { readonly kind: 'absent' }
  /** Contacts hold the externalId, and the clock is not calibrated yet (no write of the job's answered): nothing can be proven either way. */
  | { readonly kind: 'uncalibrated'; readonly contact: Contact };

export function proveOwnership(
  candidates: readonly Contact[],
  attemptAt: number | undefined,
  clock: ServerClock,
  final = false,
): Ownership {
  if (candidates.length === 0) return { kind: 'absent' };
  const first = candidates[0]!;
  const offset = clock.offset;
  if (attemptAt === undefined)
    return { kind: 'notOurs', contact: first, why: 'the journal does not say when the attempt left' };
  if (offset === undefined) return { kind: 'uncalibrated', contact: first };
  const earliestDeparture = attemptAt + offset.lo;
  const latestDeparture = attemptAt + offset.hi;
  const madeWithinError = candidates.some((c) => {
    const created = Date.parse(c.createdAt);
    return created >= earliestDeparture && created < latestDeparture;
  });
  if (!final && madeWithinError && offset.hi - offset.lo > SHARP_MS) return { kind: 'unsure' };
  const after = candidates.filter((c) => {
    const created = Date.parse(c.createdAt);
    return Number.isFinite(created) && created >= earliestDeparture;
  });
  if (after.length === 1) return { kind: 'ours', contact: after[0]! };
  if (after.length > 1)
    return {
      kind: 'notOurs',
      contact: after[0]!,
      why: `${after.length} contacts with this externalId were made after the attempt left: which one it made cannot be told`,
    };
  return {
    kind: 'notOurs',
    contact: first,
    why: `made at ${first.createdAt}, before the attempt left (${new Date(earliestDeparture).toISOString()} at the earliest, server clock)`,
  };
}
