import { AbortError } from '../errors.js';
import { describeApiError } from './api-error.js';
import type { RateLimiter, Clock } from './rate-limiter.js';
import type { RequestStats } from './request-stats.js';
import { decideRetry, rateLimitPauseMs, type RetryPolicy } from './retry-policy.js';
import { TransportError, type Transport } from './transport.js';

export const LOOKUP_BATCH = 50;

/**
 * "Does a contact with this externalId exist?", batched: ids asked for within
 * a few milliseconds of each other share one GET /v1/contacts?externalIds=…
 * (up to 50), which goes through the same rate limiter as every other request.
 */
export class LookupBatcher {
  private pending = new Map<string, { resolve: (cid: string | undefined) => void; reject: (err: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly limiter: RateLimiter,
    private readonly stats: RequestStats,
    private readonly retry: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly gatherMs = 10,
  ) {}

  /** The id of a contact with this externalId, or undefined when there is none. */
  find(externalId: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(externalId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(externalId, waiters);
      if (this.pending.size >= LOOKUP_BATCH) this.fire();
      else this.timer ??= setTimeout(() => this.fire(), this.gatherMs);
    });
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = new Map([...this.pending].slice(0, LOOKUP_BATCH));
    for (const id of batch.keys()) this.pending.delete(id);
    if (this.pending.size > 0) this.timer = setTimeout(() => this.fire(), 0);
    this.query([...batch.keys()]).then(
      (found) => {
        for (const [id, waiters] of batch) for (const w of waiters) w.resolve(found.get(id));
      },
      (err) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  }

  /** One batch, with its own retries; every page is read. */
  private async query(ids: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let pageToken: string | null = null;
    let attempt = 0;
    let limited = 0;
    // A plain loop, not do…while: `continue` after a 429 or 5xx must ask again,
    // not fall through to the loop test and report "not found".
    for (;;) {
      const params = new URLSearchParams(ids.map((id): [string, string] => ['externalIds', id]));
      params.set('maxResults', String(LOOKUP_BATCH));
      if (pageToken) params.set('pageToken', pageToken);
      const sent = await this.limiter.acquire();
      this.stats.requests++;
      this.stats.lookups++;
      attempt++;
      let res;
      try {
        res = await this.transport({ method: 'GET', path: 'v1/contacts', searchParams: params }, undefined, sent);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        this.stats.transportErrors++;
        await this.backoff(attempt, `lookup: ${err.message}`);
        continue;
      } finally {
        sent();
      }
      if (res.status === 200) {
        const body = res.body as { data?: { id: string; externalId: string | null }[]; nextPageToken?: string | null };
        for (const c of body.data ?? []) if (c.externalId !== null && !found.has(c.externalId)) found.set(c.externalId, c.id);
        pageToken = body.nextPageToken ?? null;
        if (pageToken === null) return found;
        attempt = 0;
        continue;
      }
      if (res.status === 401) throw new AbortError('AUTH_REJECTED', 'the API rejected the API key (401 Unauthorized): check OPENPHONE_API_KEY');
      if (res.status === 429) {
        this.stats.rateLimited++;
        this.limiter.onRateLimited(rateLimitPauseMs(res, ++limited, this.random));
        attempt--;
        continue;
      }
      if (res.status >= 500) {
        this.stats.serverErrors++;
        await this.backoff(attempt, `lookup: ${describeApiError(res.status, res.body).message}`);
        continue;
      }
      throw new LookupFailed(describeApiError(res.status, res.body).message);
    }
  }

  private async backoff(attempt: number, why: string): Promise<void> {
    const decision = decideRetry(this.retry, attempt, this.random);
    if (!decision.retry) throw new LookupFailed(why);
    this.stats.retries++;
    await this.clock.sleep(decision.delayMs);
  }
}

export class LookupFailed extends Error {
  readonly code = 'LOOKUP_FAILED';
}
