import { apiStatusOf, refusesKeyOrRoute } from '../api/api-error.js';
import type { PastFailure } from '../journal/fold-state.js';

/** One record's refusal by the API, as the breaker sees it. */
export interface Refusal {
  readonly externalId: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly bodyHash: string;
}

export interface Trip {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  /** The records refused in the streak: their refusal is the key's or the workspace's, not theirs. */
  readonly refused: readonly Refusal[];
}

/** Refusals that speak of the key, its permissions or the route rather than of one record. */
const keyOrWorkspace = (code: string) => {
  const status = apiStatusOf(code);
  return status !== undefined && refusesKeyOrRoute(status);
};

/** A send the API refused, as the sender reports it (send-record.ts's `failed` outcome). */
export interface RefusedSend {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** The refusal names a field of the record: it is the record's. */
  readonly namesField?: true;
}

/**
 * Whether a refusal counts toward a job-wide trip: only when it could be the
 * job's, a 4xx that names no field of the record, and not the very refusal
 * (same code, same body) that a trip excused in an earlier run: that one is
 * the record's own, failed for good, and the run goes on (unless it speaks of
 * the key: then it stays retryable). `before`: how the journal says it
 * failed in an earlier run; `hash`: the body sent now.
 */
export function judgeRefusal<F extends RefusedSend>(
  f: F,
  before: Pick<PastFailure, 'code' | 'body' | 'trip'> | undefined,
  hash: string,
): F & { countsTowardTrip: boolean } {
  const status = apiStatusOf(f.code);
  const refusal = status !== undefined && status >= 400 && status < 500;
  if (!refusal || f.namesField) return { ...f, countsTowardTrip: false };
  const repeated = before?.trip === true && before.code === f.code && before.body === hash;
  if (!repeated || refusesKeyOrRoute(status)) return { ...f, countsTowardTrip: true };
  return {
    ...f,
    retryable: false,
    message: `${f.message} (refused alike in an earlier run that stopped as a job-wide refusal: it is this record's; fix it to send it again)`,
    countsTowardTrip: false,
  };
}

/**
 * What becomes of a refused record and those held before it: `failed`, the
 * records' own refusals (the streak broke, or this one cannot be a job's);
 * `tripped`, the records of a streak that is the key's or the workspace's
 * (none of them failed); the rest stay held.
 */
export interface BreakerVerdict<T> {
  readonly failed: readonly T[];
  readonly tripped?: { readonly trip: Trip; readonly items: readonly T[] };
}

/**
 * Tells a job-wide refusal from bad records: when the first `streak` records
 * a run sends are all refused with the same code, or `streak` in a row are
 * refused with a 403 or a 404 (the key lacks a permission, the API's address is
 * wrong) at any point, the cause is
 * not in the records. The job should stop and ask for a person, and mark none
 * of them failed for good. Pure: fed outcomes, returns a trip once.
 *
 * It also judges each refused record (judgeRefusal, then judge): one that
 * may be part of a job-wide refusal is held until the streak breaks (then it
 * is the record's own failure) or trips (then it is not the record's). The
 * recorder applies the verdicts; the breaker holds the records, whatever they
 * are (T).
 */
export class RefusalBreaker<T = unknown> {
  private run: Refusal[] = [];
  /** Records held while they may be one of a job-wide refusal's (at most the streak), with their code. */
  private held: { item: T; code: string }[] = [];
  private succeeded = false;
  private tripped = false;

  constructor(private readonly streak = 10) {}

  /** Whether a refusal with this code could still complete a streak that trips. */
  mayTrip(code: string): boolean {
    return !this.tripped && (!this.succeeded || keyOrWorkspace(code));
  }

  success(): void {
    this.succeeded = true;
    this.run = [];
  }

  /**
   * A record refused by the API. `countsTowardTrip`: the refusal could be the
   * job's (a 4xx naming no field of the record, not one a trip excused before).
   */
  judge(item: T, refusal: Refusal, countsTowardTrip: boolean): BreakerVerdict<T> {
    if (!countsTowardTrip || !this.mayTrip(refusal.code)) {
      const trip = countsTowardTrip ? this.refused(refusal) : undefined;
      return trip === undefined ? { failed: [item] } : { failed: [item], tripped: { trip, items: this.release() } };
    }
    // A refusal of another code breaks the streak: the held ones were the records' own.
    const failed = this.held.length > 0 && this.held[0]!.code !== refusal.code ? this.release() : [];
    this.held.push({ item, code: refusal.code });
    const trip = this.refused(refusal);
    return trip === undefined ? { failed } : { failed, tripped: { trip, items: this.release() } };
  }

  /** A record went through: the streak is broken, and the held refusals were the records' own. */
  succeed(): T[] {
    const released = this.release();
    this.success();
    return released;
  }

  /** The held records, given up (the streak broke, or the run ended): their refusals are their own. */
  release(): T[] {
    return this.held.splice(0).map((h) => h.item);
  }

  /** A permanent refusal by the API; returns the trip when this one completes a streak. */
  refused(r: Refusal): Trip | undefined {
    if (this.tripped) return undefined;
    if (this.run.length > 0 && this.run[0]!.code !== r.code) this.run = [];
    this.run.push(r);
    if (this.run.length < this.streak) return undefined;
    if (this.succeeded && !keyOrWorkspace(r.code)) return undefined;
    this.tripped = true;
    const refused = this.run;
    this.run = [];
    const when = this.succeeded ? `${refused.length} records in a row` : `the first ${refused.length} records sent`;
    return {
      code: r.code,
      refused,
      message: `${when} were all refused with ${r.code} (${r.message}): the cause is in the API key or the workspace, not in the records. Stopped; none of them is marked failed for good`,
      hint: "fix the cause (the key's permissions, the workspace's settings), then run the same command again",
    };
  }
}
