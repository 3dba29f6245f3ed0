import { existsSync } from 'node:fs';
import type { Contact } from '../api/contract.js';
import { UsageError } from '../errors.js';
import { forEachJournalEvent } from '../journal/codec.js';
import { readJsonLines } from '../journal/lines.js';

/** A contact as it was before the job's first PATCH of it. */
export interface PriorState {
  readonly externalId: string;
  readonly contact: Contact;
}

/**
 * Each contact the job PATCHed but did not make (updated with --on-existing
 * update, or adopted), as it was before the job's first PATCH: the journal's
 * prior events (journal/events.ts), and, for a job begun by an earlier
 * version, its prior.jsonl, which holds the older states. Only the first
 * state of a contact counts. `wanted`: only these contact ids (a release of a
 * few adopted contacts reads no more than it needs into memory).
 */
export async function readPriorStates(
  journalPath: string,
  legacyPath: string,
  wanted?: ReadonlySet<string>,
): Promise<Map<string, PriorState>> {
  const out = new Map<string, PriorState>();
  const keep = (cid: string, externalId: string, contact: Contact) => {
    if ((wanted === undefined || wanted.has(cid)) && !out.has(cid)) out.set(cid, { externalId, contact });
  };
  for (const e of readLegacy(legacyPath)) keep(e.contact.id, e.externalId, e.contact);
  if (existsSync(journalPath))
    await forEachJournalEvent(
      journalPath,
      (event) => {
        if (event.t === 'prior') keep(event.cid, event.id, event.c);
      },
      undefined,
      0,
      'prior',
    );
  return out;
}

/** prior.jsonl of a job begun by an earlier version: one `{ id, contact }` line a contact. */
function readLegacy(path: string): PriorState[] {
  if (!existsSync(path)) return [];
  const corrupt = (n: number) =>
    new UsageError(
      'PRIOR_STATE_CORRUPT',
      `${path}:${n}: not a saved contact; the file was changed by something other than openphone-import. Without it a rollback cannot restore the contacts this job updated`,
      { hint: 'restore the file from a backup' },
    );
  const out: PriorState[] = [];
  // A line torn by a kill was never followed by its PATCH.
  for (const e of readJsonLines(path, corrupt) as { id?: unknown; contact?: { id?: unknown } }[]) {
    if (typeof e?.id === 'string' && typeof e.contact?.id === 'string')
      out.push({ externalId: e.id, contact: e.contact as Contact });
  }
  return out;
}
