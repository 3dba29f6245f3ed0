import type { User } from '../api/contract.js';
import type { PatchArrays } from './contact-store.js';
import type { ExistingContact, UniqueExternalId } from './contacts-routes.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import type { FaultKind, FaultRoute, FaultRule } from './faults.js';

/** What a sandbox is started with (`openphone-import sandbox`'s flags, cli-options.ts), what it logs of each request, and what it counts. */

export interface SandboxOptions {
  readonly port?: number;
  readonly host?: string;
  /** Keys the workspace accepts; one is made up when none is given. */
  readonly apiKeys?: readonly string[];
  /** Requests accepted per key in any rolling second; 0 for no limit. Default 10. */
  readonly rate?: number;
  /** The rate limit's window: 1000 ms as the API's; tests stretch it so timing cannot matter. */
  readonly rateWindowMs?: number;
  /** Seconds for Retry-After on 429; absent when undefined (the live API's is unknown). */
  readonly retryAfterSeconds?: number;
  /** Latency drawn uniformly from [min, max] ms for every answer. */
  readonly latencyMs?: readonly [number, number];
  readonly seed?: number;
  readonly faults?: readonly FaultRule[];
  /** How long a 429 burst fault lasts. Default 1000 ms. */
  readonly burstMs?: number;
  /** How long a hang fault holds a request. Default 120 s. */
  readonly hangMs?: number;
  /**
   * '409' (default, as v1 was observed): a second contact with the same externalId is refused;
   * 'per-source': only one of the same source too (the dated API's documented rule);
   * 'off': accepted, for tests of the client's own guarantees.
   */
  readonly uniqueExternalId?: UniqueExternalId;
  /** How PATCH treats arrays (unknown for the live API): 'replace' (default) or 'merge'. See contact-store.ts. */
  readonly patchArrays?: PatchArrays;
  readonly customFields?: readonly CustomFieldDefinition[];
  /** The workspace's users (or just their ids: each then gets a made-up e-mail and name); the first is the default createdByUserId. Default ['USsandbox0001']. */
  readonly users?: readonly (string | User)[];
  /** A 'late' create becomes visible at the latest this long after it arrived. Default: only once a lookup has missed it (or a resend arrives). */
  readonly lateMs?: number;
  /** Contacts the workspace has before the job (made an hour before the sandbox started), some without an externalId. */
  readonly existing?: readonly ExistingContact[];
  /** A create takes this long on the server before the contact is stored and answered (a slow API), besides the latency. */
  readonly createDelayMs?: number;
  /**
   * The answers' Date header as a gateway may write it: `offsetMs` off the
   * clock that stamps contacts (seen: 2 h behind), or 'none'. Default: the
   * true time, as Node writes it.
   */
  readonly dateHeader?: { readonly offsetMs: number } | 'none';
}

export interface RequestLogEntry {
  readonly seq: number;
  /** ms since the sandbox started, when the request arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly route: FaultRoute | 'other';
  readonly key: string | undefined;
  /** The externalId a POST carried, or the ids a lookup asked for: to trace one record's story. */
  externalIds?: string[];
  /** Answered status, or 0 when the connection was cut with no answer. */
  status: number;
  fault?: FaultKind;
}

export interface SandboxStats {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  readonly byFault: Record<string, number>;
  readonly contacts: number;
  /** externalIds that more than one contact holds. */
  readonly duplicateExternalIds: number;
  /** The most requests one key got accepted in any rolling second (429s and cut connections excluded). */
  readonly maxAcceptedInAnySecond: number;
  /** The most requests one key sent in any rolling second, answered or not. */
  readonly maxSentInAnySecond: number;
}
