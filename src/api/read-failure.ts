import { JobAbortedError } from '../errors.js';
import { describeApiError } from './api-error.js';
import type { CallResult } from './client.js';

/**
 * Why a read made before anything is sent (custom fields, users, a page of
 * contacts) gave nothing to use, in words that follow "reading …: ", and what
 * the user can do about it.
 */
export interface ReadFailure {
  readonly why: string;
  /** retry: the API did not answer; continue: the job was stopped; check: the API answered with a refusal or an odd body. */
  readonly then: 'retry' | 'continue' | 'check';
}

export type ReadResult =
  { readonly kind: 'body'; readonly body: unknown } | { readonly kind: 'failed'; readonly failure: ReadFailure };

/** The body of a 200 answer, or why there is none. */
export function readResult(r: CallResult<unknown>): ReadResult {
  switch (r.kind) {
    case 'answer':
      return r.res.status === 200
        ? { kind: 'body', body: r.res.body }
        : failed(describeApiError(r.res.status, r.res.body).message, 'check');
    case 'gaveUp':
      return failed(r.message, 'retry');
    case 'stopped':
      return failed('stopped', 'continue');
    case 'settled':
      throw new Error('a read was settled: only a request that changes data is settled');
  }
}

function failed(why: string, then: ReadFailure['then']): ReadResult {
  return { kind: 'failed', failure: { why, then } };
}

/** A 200 answer whose body is not what the route gives. */
export function oddBody(what: string): ReadFailure {
  return { why: `the API answered 200 with a body that is not ${what}`, then: 'check' };
}

const HINTS: Record<ReadFailure['then'], string> = {
  retry: 'run the same command again when the API answers',
  continue: 'run the same command again to continue',
  check: "check the API key's workspace and permissions against the answer above, then run the same command again",
};

/** The error a failed start-up read stops the job with (exit 3): nothing was sent. */
export function readStopsJob(code: string, where: string, failure: ReadFailure): JobAbortedError {
  return new JobAbortedError(code, `${where}: ${failure.why}; nothing was sent`, { hint: HINTS[failure.then] });
}
