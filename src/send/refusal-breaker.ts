import { apiStatusOf, refusesKeyOrRoute } from '../api/api-error.js';

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

/**
 * Tells a job-wide refusal from bad records: when the first `streak` records
 * a run sends are all refused with the same code, or `streak` in a row are
 * refused with a 403 or a 404 (the key lacks a permission, the API's address is
 * wrong) at any point, the cause is
 * not in the records. The job should stop and ask for a person, and mark none
 * of them failed for good. Pure: fed outcomes, returns a trip once.
 */
export class RefusalBreaker {
  private run: Refusal[] = [];
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
