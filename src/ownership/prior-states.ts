import { closeSync, existsSync, fsyncSync, readFileSync, writeSync } from 'node:fs';
import type { Contact } from '../api/contract.js';
import { UsageError } from '../errors.js';
import { openPrivateFile } from '../report/private-files.js';

/** A contact as it was before the job's first PATCH of it. */
export interface PriorState {
  readonly externalId: string;
  readonly contact: Contact;
}

/**
 * prior.jsonl (private, in the state directory): each contact the job PATCHed
 * but did not make (updated with --on-existing update, or adopted), as it was
 * before the job's first PATCH. Written and fsynced before that PATCH leaves,
 * so a rollback can always put the contact back; only the first state of a
 * contact counts.
 */
export class PriorStates {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** On disk before it returns: the PATCH may leave after. */
  save(externalId: string, contact: Contact): void {
    this.fd ??= openPrivateFile(this.path, 'a');
    writeSync(this.fd, `${JSON.stringify({ id: externalId, contact })}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The first saved state of each contact, by contact id. */
  static read(path: string): Map<string, PriorState> {
    const out = new Map<string, PriorState>();
    if (!existsSync(path)) return out;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let e: { id?: unknown; contact?: { id?: unknown } };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        // A line torn by a kill was never followed by its PATCH.
        if (i >= lines.length - 2) return;
        throw new UsageError('PRIOR_STATE_CORRUPT', `${path}:${i + 1}: not a saved contact; the file was changed by something other than openphone-import. Restore it from a backup: without it a rollback cannot restore the contacts this job updated.`);
      }
      if (typeof e.id !== 'string' || typeof e.contact?.id !== 'string') return;
      if (!out.has(e.contact.id)) out.set(e.contact.id, { externalId: e.id, contact: e.contact as Contact });
    });
    return out;
  }
}
