import { closeSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { readJsonLines } from '../journal/lines.js';
import { openPrivateFile } from '../state/private-files.js';

/** What a rollback did to a contact, final: deleted, restored, gone already, or left alone because it changed since the job. */
export type RollbackOutcome = 'deleted' | 'restored' | 'recreated' | 'gone' | 'changedSince';

const FINAL = new Set<string>(['deleted', 'restored', 'recreated', 'gone', 'changedSince']);

/**
 * rollback.jsonl: the contact ids a rollback is done with, one JSON line each.
 * A DELETE is idempotent (a second one answers 404, counted as gone) and a
 * restore is recognised by the contact's content, so a rollback killed at any
 * moment is resumed by sending again what has no line here: nothing is touched
 * that was not the job's, and nothing is missed.
 */
export class RollbackLog {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openPrivateFile(path, 'a');
  }

  done(contactId: string, externalId: string, how: RollbackOutcome): void {
    writeSync(this.fd, `${JSON.stringify({ t: how, cid: contactId, id: externalId, at: new Date().toISOString() })}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** What a rollback did to each contact it is done with (the last word per contact id): what a resumed rollback skips and counts, and status. */
  static outcomes(path: string): Map<string, RollbackOutcome> {
    const done = new Map<string, RollbackOutcome>();
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
}
