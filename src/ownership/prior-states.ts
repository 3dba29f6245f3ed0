import { closeSync, fsyncSync, writeSync } from 'node:fs';
import type { Contact } from '../api/contract.js';
import { UsageError } from '../errors.js';
import { readJsonLines } from '../journal/lines.js';
import { openPrivateFile } from '../state/private-files.js';

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
    const corrupt = (n: number) =>
      new UsageError(
        'PRIOR_STATE_CORRUPT',
        `${path}:${n}: not a saved contact; the file was changed by something other than openphone-import. Without it a rollback cannot restore the contacts this job updated`,
        { hint: 'restore the file from a backup' },
      );
    // A line torn by a kill was never followed by its PATCH.
    for (const e of readJsonLines(path, corrupt) as { id?: unknown; contact?: { id?: unknown } }[]) {
      if (typeof e?.id !== 'string' || typeof e.contact?.id !== 'string') continue;
      if (!out.has(e.contact.id)) out.set(e.contact.id, { externalId: e.id, contact: e.contact as Contact });
    }
    return out;
  }
}
