import { normalizeBaseUrl } from '../api/base-url.js';
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { JournalHeader } from './events.js';

/** The workspace a job's state belongs to: the API it talks to and which key (a fingerprint, never the key). */
export interface Target {
  readonly baseUrl: string;
  readonly keyFingerprint: string;
}

/** The vendor's hosts serve one API (OpenPhone is now Quo): moving between them is not another workspace. */
const VENDOR_HOSTS = new Set(['api.openphone.com', 'api.quo.com']);

/**
 * A short, salted hash of the key: enough to tell two keys apart, useless for
 * finding the key (they are long random strings). Written to the journal. The
 * salt is the job's own (a random value in its journal's header), so one key's
 * fingerprint differs from job to job; journals of earlier versions used one
 * constant salt, which still reads them.
 */
export function keyFingerprint(apiKey: string, salt = 'openphone-import'): string {
  return `key-${createHash('sha256').update(`${salt}:${apiKey}`).digest('hex').slice(0, 12)}`;
}

/** A new job's salt for its key fingerprints. */
export const newKeySalt = (): string => randomBytes(12).toString('base64url');

export function describeTarget(baseUrl: string, apiKey: string, salt?: string): Target {
  return { baseUrl: normalizeBaseUrl(baseUrl), keyFingerprint: keyFingerprint(apiKey, salt) };
}

function sameApi(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const [ua, ub] = [new URL(a), new URL(b)];
    const path = (u: URL) => u.pathname.replace(/\/+$/, '');
    const sameHost = ua.origin === ub.origin || (VENDOR_HOSTS.has(ua.host) && VENDOR_HOSTS.has(ub.host));
    return sameHost && path(ua) === path(ub);
  } catch {
    return false;
  }
}

/**
 * A state directory belongs to the workspace its journal was started against:
 * its "already done" means "exists there". A run against another API or with
 * another key would skip every record as done and create nothing (or look up
 * records in doubt in the wrong place), so it stops before sending anything.
 * `sameWorkspace` accepts a new key (a rotated one) for the same API. Returns
 * whether the journal must record this run's target (a new key, or a journal
 * written before targets were recorded).
 */
export function checkTarget(
  past: { readonly header: JournalHeader | undefined; readonly target: Target | undefined },
  target: Target,
  journalPath: string,
  sameWorkspace: boolean,
): boolean {
  if (past.header === undefined) return false;
  // A journal from before keys were recorded still names its API.
  const bound = past.target ?? { baseUrl: past.header.baseUrl, keyFingerprint: undefined };
  const api = sameApi(bound.baseUrl, target.baseUrl);
  const key = bound.keyFingerprint === undefined || bound.keyFingerprint === target.keyFingerprint;
  if (api && key) return past.target === undefined;
  if (api && sameWorkspace) return true;
  const what = !api ? `the API at ${bound.baseUrl}` : `the API key ${bound.keyFingerprint}`;
  const now = !api
    ? `this run's is ${target.baseUrl}`
    : `this run's key is ${target.keyFingerprint} (fingerprints, not keys)`;
  throw new UsageError(
    'STATE_OTHER_WORKSPACE',
    `${journalPath}: this state directory belongs to ${what}; ${now}. Its records are done in that workspace, not this one; nothing was sent`,
    {
      hint:
        `to import into this workspace, start a new job: add --state-dir with a new folder; ` +
        (api
          ? `if this is a new key for the same workspace (the old one was rotated), run once with --same-workspace; `
          : '') +
        `to continue the job there, use ${!api ? `--base-url ${bound.baseUrl}` : 'the key it was started with'}`,
    },
  );
}
