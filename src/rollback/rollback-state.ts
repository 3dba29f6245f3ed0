import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { ROLLBACK_OUTCOMES, type RollbackOutcome } from '../journal/events.js';
import type { ResumeState } from '../journal/fold-state.js';
import { readJsonLines } from '../journal/lines.js';

const FINAL = new Set<string>(ROLLBACK_OUTCOMES);

/**
 * What a rollback did to each contact it is done with (the last word per
 * contact id): the journal's rolledBack events, after those of rollback.jsonl,
 * where a rollback of an earlier version kept them. A DELETE is idempotent (a
 * second one answers 404, counted as gone) and a restore is recognised by the
 * contact's content, so a rollback killed at any moment is resumed by sending
 * again what has no outcome here: nothing is touched that was not the job's,
 * and nothing is missed.
 */
export function rollbackOutcomes(
  past: Pick<ResumeState, 'rolledBack'>,
  legacyPath: string,
): Map<string, RollbackOutcome> {
  const done = readLegacy(legacyPath);
  for (const [cid, how] of past.rolledBack) done.set(cid, how);
  return done;
}

/** rollback.jsonl of an earlier version: one `{ t: outcome, cid, id, at }` line a contact. */
function readLegacy(path: string): Map<string, RollbackOutcome> {
  const done = new Map<string, RollbackOutcome>();
  if (!existsSync(path)) return done;
  const corrupt = (n: number) =>
    new UsageError(
      'ROLLBACK_LOG_CORRUPT',
      `${path}:${n}: not a rollback line; the file was changed by something other than openphone-import`,
      {
        hint: 'restore it from a backup, or move it away: the rollback then starts over and skips contacts already gone',
      },
    );
  // The last line torn by a kill: its contact is taken up again (a DELETE answers 404, a restore is recognised).
  for (const e of readJsonLines(path, corrupt) as { t?: string; cid?: unknown }[]) {
    if (FINAL.has(e?.t ?? '') && typeof e.cid === 'string') done.set(e.cid, e.t as RollbackOutcome);
  }
  return done;
}
