import type { ContactRequest } from '../api/contract.js';
import { AbortError } from '../errors.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { describeApiError } from './api-error.js';
import { LookupFailed, type LookupBatcher } from './lookup.js';
import type { Clock, RateLimiter } from './rate-limiter.js';
import type { RequestStats } from './request-stats.js';
import { decideRetry, rateLimitPauseMs, type RetryPolicy } from './retry-policy.js';
import { TransportError, type ApiRequest, type ApiResponse, type Transport } from './transport.js';

export interface SendContext {
  readonly transport: Transport;
  readonly limiter: RateLimiter;
  readonly journal: JournalWriter;
  readonly lookup: LookupBatcher;
  readonly stats: RequestStats;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
  /** Set when the job stops early: no new attempt starts, requests on their way are cut after a grace period. */
  readonly stopping: AbortSignal;
  readonly cutInFlight: AbortSignal;
  /**
   * After a timeout, how long to wait before looking the contact up: the server
   * may still be working on the request the client gave up on, and a lookup
   * made too soon would miss a contact about to be stored.
   */
  readonly settleAfterTimeoutMs: number;
}

export type SendOutcome =
  | { readonly kind: 'created'; readonly contactId: string; readonly viaLookup: boolean }
  | { readonly kind: 'updated'; readonly contactId: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly retryable: boolean }
  /** Stopped before an outcome was known; the next run resolves it (by lookup if it was sent). */
  | { readonly kind: 'notSent' };

/** 429s in a row for one record before it is given up for this run (retryable). */
const MAX_RATE_LIMITED = 50;

/**
 * Creates one contact, at most once. Every attempt is journaled (durably)
 * before its request leaves. When an attempt's outcome is unknown (timeout,
 * reset, 5xx after the body went out) the next step is a lookup by externalId,
 * never a blind resend: a contact found is recorded as created with its id.
 */
export async function sendRecord(
  ctx: SendContext,
  externalId: string,
  line: number,
  body: ContactRequest,
  bodyHash: string,
  /** An earlier run left this record's outcome unknown: look it up first. */
  inDoubt = false,
): Promise<SendOutcome> {
  let attempt = 0;
  let limited = 0;
  let outcomeUnknown = inDoubt;
  let lastError = inDoubt ? 'an earlier run left the outcome unknown' : '';
  const fail = (code: string, message: string, retryable: boolean, doubt = false): SendOutcome => {
    ctx.journal.append({ t: 'failed', id: externalId, line, code, message, retryable, body: bodyHash, ...(doubt && { doubt }) });
    return { kind: 'failed', code, message, retryable };
  };

  for (;;) {
    if (ctx.stopping.aborted) return { kind: 'notSent' };
    if (outcomeUnknown) {
      const known = await resolveUnknown(ctx, externalId, line);
      if (known.kind === 'lookupFailed') return fail('LOOKUP_FAILED', `${lastError}; then the lookup by externalId failed: ${known.message}`, true, true);
      if (known.kind === 'created') return known;
      outcomeUnknown = false;
      if (ctx.stopping.aborted) return { kind: 'notSent' };
    }

    attempt++;
    const tried = await attemptOnce(ctx, externalId, line, { method: 'POST', path: 'v1/contacts', body }, 'creates');
    if (tried.kind === 'notSent') return tried;
    if (tried.kind === 'noAnswer') {
      const err = tried.err;
      lastError = `attempt ${attempt}: ${err.message}`;
      outcomeUnknown = err.maybeSent;
      if (err.kind === 'timeout') await ctx.clock.sleep(ctx.settleAfterTimeoutMs);
      if (!(await retryLater(ctx, attempt))) {
        return outcomeUnknown ? await finalCheck(ctx, externalId, line, lastError, fail) : fail(`NETWORK_${err.kind.toUpperCase()}`, lastError, true);
      }
      continue;
    }
    const res = tried.res;

    if (res.status === 201 || res.status === 200) {
      const contactId = (res.body as { data?: { id?: unknown } } | undefined)?.data?.id;
      if (typeof contactId !== 'string') return fail('API_BAD_RESPONSE', `the API answered ${res.status} without a contact id`, true);
      ctx.journal.append({ t: 'created', id: externalId, cid: contactId, line });
      return { kind: 'created', contactId, viaLookup: false };
    }
    if (res.status === 429) {
      // A 429 is a refusal, not an attempt: the contact was not made.
      attempt--;
      if (!onTooMany(ctx, res, ++limited)) return fail('RATE_LIMITED', `${limited} answers of 429 in a row`, true);
      continue;
    }
    limited = 0;
    if (res.status >= 500) {
      ctx.stats.serverErrors++;
      const api = describeApiError(res.status, res.body);
      lastError = `attempt ${attempt}: ${api.message}`;
      outcomeUnknown = true;
      if (!(await retryLater(ctx, attempt))) return finalCheck(ctx, externalId, line, lastError, fail, api.code);
      continue;
    }
    const api = describeApiError(res.status, res.body);
    return fail(api.code, api.message, false);
  }
}

type AttemptResult =
  | { readonly kind: 'notSent' }
  | { readonly kind: 'answer'; readonly res: ApiResponse }
  | { readonly kind: 'noAnswer'; readonly err: TransportError };

/**
 * One request for a record, as every create and update makes it: the attempt
 * is on disk before the request leaves; a job that is stopping sends nothing
 * (and says so in the journal); a 401 aborts the job; a 429 pauses every sender.
 */
async function attemptOnce(ctx: SendContext, externalId: string, line: number, request: ApiRequest, counter: 'creates' | 'updates'): Promise<AttemptResult> {
  await ctx.journal.durable({ t: 'attempt', id: externalId, line });
  const sent = await ctx.limiter.acquire();
  if (ctx.stopping.aborted) {
    sent();
    // Journaled as attempted but never sent: say so, so the next run need not look it up.
    ctx.journal.append({ t: 'absent', id: externalId });
    return { kind: 'notSent' };
  }
  ctx.stats.requests++;
  ctx.stats[counter]++;
  let res: ApiResponse;
  try {
    res = await ctx.transport(request, ctx.cutInFlight, sent);
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    if (ctx.cutInFlight.aborted) return { kind: 'notSent' };
    ctx.stats.transportErrors++;
    return { kind: 'noAnswer', err };
  } finally {
    sent();
  }
  if (res.status === 401) throw new AbortError('AUTH_REJECTED', 'the API rejected the API key (401 Unauthorized): check OPENPHONE_API_KEY. No record was marked failed; rerun to continue.');
  return { kind: 'answer', res };
}

/** A 429: every sender pauses. Returns false when this record has had too many in a row. */
function onTooMany(ctx: SendContext, res: ApiResponse, limited: number): boolean {
  ctx.stats.rateLimited++;
  ctx.limiter.onRateLimited(rateLimitPauseMs(res, limited, ctx.random));
  return limited < MAX_RATE_LIMITED;
}

async function retryLater(ctx: SendContext, attempt: number): Promise<boolean> {
  const decision = decideRetry(ctx.retry, attempt, ctx.random);
  if (!decision.retry) return false;
  ctx.stats.retries++;
  await ctx.clock.sleep(decision.delayMs);
  return true;
}

/**
 * An attempt whose outcome is unknown, settled by a lookup and journaled: the
 * contact exists (created, with its id) or it does not (absent). A failed
 * lookup settles nothing and journals nothing: the record stays in doubt.
 */
export async function resolveUnknown(
  ctx: Pick<SendContext, 'lookup' | 'journal'>,
  externalId: string,
  line: number,
): Promise<{ readonly kind: 'created'; readonly contactId: string; readonly viaLookup: true } | { readonly kind: 'absent' } | { readonly kind: 'lookupFailed'; readonly message: string }> {
  let found: string | undefined;
  try {
    found = await ctx.lookup.find(externalId);
  } catch (err) {
    if (err instanceof LookupFailed) return { kind: 'lookupFailed', message: err.message };
    throw err;
  }
  if (found === undefined) {
    ctx.journal.append({ t: 'absent', id: externalId });
    return { kind: 'absent' };
  }
  ctx.journal.append({ t: 'created', id: externalId, cid: found, line });
  return { kind: 'created', contactId: found, viaLookup: true };
}

/** Out of attempts after an unknown outcome: one last lookup tells created from failed. */
async function finalCheck(
  ctx: SendContext,
  externalId: string,
  line: number,
  lastError: string,
  fail: (code: string, message: string, retryable: boolean, doubt?: boolean) => SendOutcome,
  code = 'GAVE_UP',
): Promise<SendOutcome> {
  const known = await resolveUnknown(ctx, externalId, line);
  if (known.kind === 'created') return known;
  if (known.kind === 'lookupFailed') {
    // Left in doubt: the failed event below is retryable, and the next run looks it up first.
    return fail(code, `${lastError}; gave up after ${ctx.retry.attempts} attempts (the lookup failed too: ${known.message})`, true, true);
  }
  return fail(code, `${lastError}; gave up after ${ctx.retry.attempts} attempts`, true);
}

/**
 * --on-existing update: PATCHes the contact that already has this externalId.
 * A PATCH can be repeated without harm, so an unknown outcome is simply retried.
 */
export async function updateRecord(ctx: SendContext, externalId: string, contactId: string, line: number, body: ContactRequest, bodyHash: string): Promise<SendOutcome> {
  let attempt = 0;
  let limited = 0;
  const fail = (code: string, message: string, retryable: boolean): SendOutcome => {
    ctx.journal.append({ t: 'failed', id: externalId, line, code, message, retryable, body: bodyHash });
    return { kind: 'failed', code, message, retryable };
  };
  for (;;) {
    if (ctx.stopping.aborted) return { kind: 'notSent' };
    attempt++;
    const tried = await attemptOnce(ctx, externalId, line, { method: 'PATCH', path: `v1/contacts/${encodeURIComponent(contactId)}`, body }, 'updates');
    if (tried.kind === 'notSent') return tried;
    if (tried.kind === 'noAnswer') {
      if (!(await retryLater(ctx, attempt))) return fail(`NETWORK_${tried.err.kind.toUpperCase()}`, `update, attempt ${attempt}: ${tried.err.message}`, true);
      continue;
    }
    const res = tried.res;
    if (res.status === 200) {
      ctx.journal.append({ t: 'created', id: externalId, cid: contactId, line, how: 'updated' });
      return { kind: 'updated', contactId };
    }
    if (res.status === 429) {
      attempt--;
      if (!onTooMany(ctx, res, ++limited)) return fail('RATE_LIMITED', `${limited} answers of 429 in a row`, true);
      continue;
    }
    limited = 0;
    const api = describeApiError(res.status, res.body);
    if (res.status >= 500) {
      ctx.stats.serverErrors++;
      if (!(await retryLater(ctx, attempt))) return fail(api.code, `update: ${api.message}; gave up after ${ctx.retry.attempts} attempts`, true);
      continue;
    }
    return fail(api.code, `update: ${api.message}`, false);
  }
}
