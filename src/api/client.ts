import { JobAbortedError } from '../errors.js';
import { describeApiError } from './api-error.js';
import type { Clock, RateLimiter } from './rate-limiter.js';
import type { RequestStats } from './request-stats.js';
import { ServerClock, SHARP_MS } from './server-clock.js';
import { decideRetry, rateLimitPauseMs, type RetryPolicy } from './retry-policy.js';
import { TransportError, type ApiRequest, type ApiResponse, type Transport } from './transport.js';

/**
 * The time the contacts' clock stamped on a write of ours, read off its answer:
 * a 201's createdAt, a PATCH's updatedAt. It calibrates the ownership proof's
 * clock (server-clock.ts).
 */
function ownWriteStamp(req: ApiRequest, res: ApiResponse): string | undefined {
  const data = (res.body as { data?: { createdAt?: unknown; updatedAt?: unknown } } | undefined)?.data;
  const stamp =
    req.method === 'POST' && res.status === 201
      ? data?.createdAt
      : req.method === 'PATCH' && res.status === 200
        ? data?.updatedAt
        : undefined;
  return typeof stamp === 'string' ? stamp : undefined;
}

/** 429s in a row for one request before it is given up (retryable). */
export const MAX_RATE_LIMITED = 50;

export interface ApiClientOptions {
  readonly transport: Transport;
  readonly limiter: RateLimiter;
  readonly stats: RequestStats;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
  /** Set when the job stops early: requests that change data start no new attempt. */
  readonly stopping?: AbortSignal;
  /** Set a grace period after `stopping`: requests on their way are cut. */
  readonly cutInFlight?: AbortSignal;
  /**
   * A request that may have changed something and got no answer is checked no
   * sooner than this long after it left: the server may still be working on a
   * request the client gave up on (or was killed during), and a check made too
   * soon would miss it and lead to a duplicate. The import uses twice the
   * client timeout: the server gets as long again as the client waited.
   */
  readonly settleMs: number;
  /**
   * The API is down when this many requests in a row failed (5xx, no answer)
   * and none succeeded for at least `quietMs`: the job stops (exit 3) instead
   * of hammering it and failing record after record. Default 20 over 30 s.
   */
  readonly breaker?: { readonly failures: number; readonly quietMs: number };
}

export type CallResult<T> =
  /** A final answer: 2xx, or a 4xx other than 401 and 429. */
  | { readonly kind: 'answer'; readonly res: ApiResponse }
  /** Out of attempts (5xx, no answer, or 429 after 429). `mayHaveChanged`: the last unanswered attempt may have been applied. */
  | { readonly kind: 'gaveUp'; readonly code: string; readonly message: string; readonly mayHaveChanged: boolean }
  /** The job stopped before the request left (`sent: false`), or cut it on its way (`sent: true`: its outcome is unknown). */
  | { readonly kind: 'stopped'; readonly sent: boolean }
  /** `beforeResend` settled the request's outcome without sending it again. */
  | { readonly kind: 'settled'; readonly value: T };

/** One call's attempts so far. */
interface Attempts {
  /** Attempts that failed (no answer, or a 5xx); a 429 is not one. */
  attempt: number;
  /** 429s in a row. */
  limited: number;
  /** An attempt that may have been applied and has not been checked since. */
  unchecked: string | undefined;
  readonly changesData: boolean;
}

export interface CallOptions<T> {
  /** Counted in the summary under this name, besides `requests`. */
  readonly count?: 'creates' | 'updates' | 'lookups' | 'deletes' | 'checks' | 'listing';
  /** Cuts this request when aborted (a start-up read during a stop): the call ends as stopped. */
  readonly signal?: AbortSignal;
  /** Before each attempt leaves (a create's attempt goes to the journal, durably). */
  readonly beforeSend?: () => Promise<void>;
  /** The job stopped after `beforeSend`, before the request left. */
  readonly notSent?: () => void;
  /**
   * For a request that changes data (POST, PATCH): an attempt got no answer or a
   * 5xx, so it may have been applied. Called before the next attempt (after the
   * settle wait): return a value to end the call as settled, or undefined to send again.
   */
  readonly beforeResend?: (why: string) => Promise<T | undefined>;
}

/**
 * The one way this program talks to the API: every request, whoever makes it,
 * goes through the rate limiter and the same policy. A 401 aborts the job; a
 * 429 pauses every sender and halves the rate (the limiter restores it); a 5xx,
 * a reset or a timeout is retried with capped exponential backoff and full
 * jitter; a request that changes data is never sent again blindly after an
 * unknown outcome: `beforeResend` finds out first.
 */
export class ApiClient {
  private failuresInARow = 0;
  private lastAnswerAt: number;
  /** The server's clock, from every answer's Date header: ownership proofs read it (ownership/prove.ts). */
  readonly serverClock = new ServerClock();

  constructor(private readonly o: ApiClientOptions) {
    this.lastAnswerAt = o.clock.now();
  }

  /** Counts a failed request; throws once the API has been down long enough. */
  private failed(why: string): void {
    this.failuresInARow++;
    const { failures, quietMs } = this.o.breaker ?? { failures: 20, quietMs: 30_000 };
    const quiet = this.o.clock.now() - this.lastAnswerAt;
    if (this.failuresInARow >= failures && quiet >= quietMs) {
      throw new JobAbortedError(
        'API_DOWN',
        `the API answered none of the last ${this.failuresInARow} requests for ${Math.round(quiet / 1000)} s (last: ${why}): stopped rather than fail record after record; nothing was marked failed for this`,
        { hint: 'rerun the same command when the API is back' },
      );
    }
  }

  private answered(): void {
    this.failuresInARow = 0;
    this.lastAnswerAt = this.o.clock.now();
  }

  private sharpening: Promise<void> | undefined;

  /**
   * Narrows the server clock's estimate to `widthMs` (or gives up after
   * `maxProbes`): each probe, a cheap read, leaves when the server's clock
   * would cross a second if the offset were the middle of what is known, so
   * its Date header halves the interval. Runs once at a time; an ownership
   * proof that needs it waits for it (ownership/prove-sharp.ts).
   */
  sharpenClock(widthMs = SHARP_MS, maxProbes = 8): Promise<void> {
    this.sharpening ??= this.probeClock(widthMs, maxProbes).finally(() => (this.sharpening = undefined));
    return this.sharpening;
  }

  private async probeClock(widthMs: number, maxProbes: number): Promise<void> {
    for (let i = 0; i < maxProbes; i++) {
      // Probes read Date headers: of no use where they are not the contacts' clock (server-clock.ts).
      if (!this.serverClock.datesUsable) return;
      const o = this.serverClock.offset;
      if (o !== undefined && o.hi - o.lo <= widthMs) return;
      if (o !== undefined) {
        const mid = (o.lo + o.hi) / 2;
        // The next server second after a little lead time, on our clock if the offset is `mid`.
        const leave = Math.ceil((Date.now() + mid + 50) / 1000) * 1000 - mid;
        await this.o.clock.sleep(Math.max(0, leave - Date.now()));
      }
      const r = await this.call({ method: 'GET', path: 'v1/contact-custom-fields' }, { count: 'checks' });
      if (r.kind !== 'answer') return;
    }
  }

  get settleMs(): number {
    return this.o.settleMs;
  }

  /**
   * Waits `ms`, or less when the job stops: a wait for the server to settle
   * before a lookup (up to twice the timeout) must not hold a stop. The caller
   * then finds `stopping` set and leaves its record in doubt.
   */
  sleep(ms: number): Promise<void> {
    return ms > 0 ? this.o.clock.sleep(ms, this.o.stopping) : Promise.resolve();
  }

  /** Aborted when the job stops: waits that a stop must end listen to it. */
  get stopSignal(): AbortSignal | undefined {
    return this.o.stopping;
  }

  /** The job is stopping: no request that changes data starts, and waits end early. */
  get stopping(): boolean {
    return this.o.stopping?.aborted === true;
  }

  /** `request` is built per attempt, so a resend can carry what `beforeResend` learnt. */
  async call<T = never>(
    request: ApiRequest | (() => ApiRequest),
    options: CallOptions<T> = {},
  ): Promise<CallResult<T>> {
    const changesData = (typeof request === 'function' ? request() : request).method !== 'GET';
    const state: Attempts = { attempt: 0, limited: 0, unchecked: undefined, changesData };
    const cut = changesData ? this.o.cutInFlight : options.signal;
    for (;;) {
      // Stopped between attempts: an earlier one may still have been applied.
      const stopped = { kind: 'stopped', sent: state.unchecked !== undefined } as const;
      if ((changesData && this.o.stopping?.aborted) || options.signal?.aborted) return stopped;
      if (state.unchecked !== undefined && options.beforeResend !== undefined) {
        const settled = await options.beforeResend(state.unchecked);
        if (settled !== undefined) return { kind: 'settled', value: settled };
        state.unchecked = undefined;
        if (changesData && this.o.stopping?.aborted) return { kind: 'stopped', sent: false };
      }
      const left = await this.leave(request, changesData, cut, options);
      if (left.kind === 'notSent') return stopped;
      const next =
        left.kind === 'failed'
          ? await this.afterTransportFailure(left, state, cut)
          : await this.afterAnswer(left.res, state);
      if (next !== 'again') return next;
    }
  }

  /** No answer: given up, or to be tried again (after the server has settled, when the attempt may have been applied). */
  private async afterTransportFailure(
    left: { err: TransportError; leftAt: number },
    state: Attempts,
    cut: AbortSignal | undefined,
  ): Promise<CallResult<never> | 'again'> {
    const { err } = left;
    if (cut?.aborted) return { kind: 'stopped', sent: true };
    this.o.stats.transportErrors++;
    const mayHaveChanged = state.changesData && err.maybeSent;
    const why = `attempt ${++state.attempt}: ${err.message}`;
    if (!(await this.retryAfterFailure(state.attempt, err.message)))
      return {
        kind: 'gaveUp',
        code: `NETWORK_${err.kind.toUpperCase()}`,
        message: why,
        mayHaveChanged: mayHaveChanged || state.unchecked !== undefined,
      };
    if (mayHaveChanged) {
      await this.sleep(left.leftAt + this.o.settleMs - this.o.clock.now());
      state.unchecked = why;
    }
    return 'again';
  }

  /** An answer: final (2xx, 4xx), the key refused (401: the job aborts), or a 429 or 5xx to wait out and try again. */
  private async afterAnswer(res: ApiResponse, state: Attempts): Promise<CallResult<never> | 'again'> {
    const { stats, limiter, random } = this.o;
    if (res.status < 500) this.answered();
    if (res.status === 401)
      throw new JobAbortedError(
        'AUTH_REJECTED',
        'the API rejected the API key (401 Unauthorized); no record was marked failed',
        {
          hint: 'check OPENPHONE_API_KEY, then rerun the same command to continue',
        },
      );
    if (res.status === 429) {
      // A refusal at the gate, not an attempt: nothing was applied.
      stats.rateLimited++;
      limiter.onRateLimited(rateLimitPauseMs(res, ++state.limited, random));
      if (state.limited >= MAX_RATE_LIMITED)
        return {
          kind: 'gaveUp',
          code: 'RATE_LIMITED',
          message: `${state.limited} answers of 429 in a row`,
          mayHaveChanged: state.unchecked !== undefined,
        };
      return 'again';
    }
    state.limited = 0;
    if (res.status >= 500) {
      stats.serverErrors++;
      const api = describeApiError(res.status, res.body);
      const why = `attempt ${++state.attempt}: ${api.message}`;
      if (!(await this.retryAfterFailure(state.attempt, api.message)))
        return { kind: 'gaveUp', code: api.code, message: why, mayHaveChanged: state.changesData };
      if (state.changesData) state.unchecked = why;
      return 'again';
    }
    return { kind: 'answer', res };
  }

  /**
   * One attempt, through the limiter: its answer, the transport's error (with
   * when it left), or notSent when the job stopped before it left.
   */
  private async leave<T>(
    request: ApiRequest | (() => ApiRequest),
    changesData: boolean,
    cut: AbortSignal | undefined,
    options: CallOptions<T>,
  ): Promise<
    { kind: 'answer'; res: ApiResponse } | { kind: 'failed'; err: TransportError; leftAt: number } | { kind: 'notSent' }
  > {
    await options.beforeSend?.();
    const sent = await this.o.limiter.acquire();
    if (changesData && this.o.stopping?.aborted) {
      sent();
      options.notSent?.();
      return { kind: 'notSent' };
    }
    this.o.stats.requests++;
    if (options.count !== undefined) this.o.stats[options.count]++;
    const req = typeof request === 'function' ? request() : request;
    const leftAt = this.o.clock.now();
    const wallLeftAt = Date.now();
    try {
      const res = await this.o.transport(req, cut, sent);
      const wallAnsweredAt = Date.now();
      this.serverClock.sample(wallLeftAt, wallAnsweredAt, res.date);
      const stamp = ownWriteStamp(req, res);
      if (stamp !== undefined) this.serverClock.stamp(wallLeftAt, wallAnsweredAt, stamp);
      return { kind: 'answer', res };
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      return { kind: 'failed', err, leftAt };
    } finally {
      sent();
    }
  }

  /** A failed attempt (5xx, no answer): counted towards "the API is down", then true after the retry delay, or false when out of attempts. */
  private async retryAfterFailure(attempt: number, why: string): Promise<boolean> {
    this.failed(why);
    const decision = decideRetry(this.o.retry, attempt, this.o.random);
    if (!decision.retry) return false;
    this.o.stats.retries++;
    await this.o.clock.sleep(decision.delayMs);
    return true;
  }
}
