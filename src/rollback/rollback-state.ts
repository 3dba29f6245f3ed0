import { closeSync, existsSync, readFileSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { decodeEvent } from '../journal/codec.js';
import { forEachLine } from '../journal/lines.js';
import { openPrivateFile } from '../report/private-files.js';

/** A contact this job created (not one it found existing or updated): what a rollback deletes. */
export interface CreatedContact {
  readonly externalId: string;
  readonly contactId: string;
  readonly line: number;
}

/**
 * The contacts the import created, from its journal: `created` lines without
 * `how` (a contact the workspace had before the job, left alone or updated, is
 * never the job's to delete). The last word per externalId counts.
 */
export async function contactsCreatedByJob(journalPath: string): Promise<CreatedContact[]> {
  const byId = new Map<string, CreatedContact | undefined>();
  let lineNo = 0;
  await forEachLine(journalPath, (buf, start, end) => {
    lineNo++;
    if (lineNo === 1 || end === start) return;
    // Only created lines matter; the rest are skipped without parsing.
    const text = buf.toString('utf8', start, end);
    if (!text.includes('"t":"created"')) return;
    const event = decodeEvent(text, lineNo);
    if (event === undefined || event.t !== 'created') return;
    byId.set(event.id, event.how === undefined ? { externalId: event.id, contactId: event.cid, line: event.line } : undefined);
  });
  return [...byId.values()].filter((c): c is CreatedContact => c !== undefined);
}

/**
 * rollback.jsonl: the contact ids a rollback has deleted (or found gone), one
 * JSON line each. A DELETE is idempotent (a second one answers 404, counted as
 * gone), so a rollback killed at any moment is resumed by sending again what
 * has no line here: nothing is deleted that was not the job's, and nothing is missed.
 */
export class RollbackLog {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openPrivateFile(path, 'a');
  }

  deleted(contactId: string, externalId: string, how: 'deleted' | 'gone'): void {
    writeSync(this.fd, `${JSON.stringify({ t: how, cid: contactId, id: externalId, at: new Date().toISOString() })}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The contact ids already deleted or gone. */
  static read(path: string): Set<string> {
    const done = new Set<string>();
    if (!existsSync(path)) return done;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let e: { t?: string; cid?: unknown };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        // The last line torn by a kill: its DELETE is sent again, and answers 404 if it had gone through.
        if (i >= lines.length - 2) return;
        throw new UsageError('ROLLBACK_LOG_CORRUPT', `${path}:${i + 1}: not a rollback line; the file was changed by something other than openphone-import`);
      }
      if ((e.t === 'deleted' || e.t === 'gone') && typeof e.cid === 'string') done.add(e.cid);
    });
    return done;
  }
}
