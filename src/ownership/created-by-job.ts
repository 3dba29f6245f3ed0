import type { CreatedEvent, JournalEvent } from '../journal/events.js';
import { decodeEvent } from '../journal/codec.js';
import { forEachLine } from '../journal/lines.js';

/**
 * What the job is to a record's contact, from the journal. One owner for the
 * fact "created by this job": created.csv, status, rollback and the resume ask
 * here and derive nothing themselves.
 * - 'created': this job made it (a 201, or proven after a lost answer: ownership/prove.ts);
 * - 'existing': the workspace had it; the job left it alone;
 * - 'updated': the workspace had it; the job PATCHed it (the state before is in prior.jsonl);
 * - 'adopted': the workspace had it without an externalId; the job gave it this one (prior.jsonl too).
 */
export type Relation = 'created' | 'existing' | 'updated' | 'adopted';

export const relationOf = (event: CreatedEvent): Relation => event.how ?? 'created';

/** Whether a journal event says this job made the contact. */
export const isCreatedByJob = (event: JournalEvent): event is CreatedEvent => event.t === 'created' && event.how === undefined;

/** A record's contact as the journal leaves it (the last word per externalId). */
export interface JobContact {
  readonly externalId: string;
  readonly contactId: string;
  readonly line: number;
  readonly relation: Relation;
  /** The contact's updatedAt after the job's last write, where the journal has it. */
  readonly leftAt?: string;
}

/** Every record's contact, by externalId, as the journal leaves it. */
export async function jobContacts(journalPath: string): Promise<Map<string, JobContact>> {
  const byId = new Map<string, JobContact>();
  await forEachJournalEvent(journalPath, (event) => {
    if (event.t === 'created') {
      byId.set(event.id, { externalId: event.id, contactId: event.cid, line: event.line, relation: relationOf(event), ...(event.up !== undefined && { leftAt: event.up }) });
    } else if (event.t === 'updated') {
      const before = byId.get(event.id);
      // A sync's PATCH changes what the contact holds, not who made it.
      byId.set(event.id, { externalId: event.id, contactId: event.cid, line: event.line, relation: before?.relation ?? 'created', ...(event.up !== undefined && { leftAt: event.up }) });
    } else if (event.t === 'deleted') {
      byId.delete(event.id);
    }
  });
  return byId;
}

/**
 * Each event of a journal after its header, parsed (a line that is not an
 * event is passed over: replay is the one that refuses it). `afterChunk` as
 * forEachLine's: to write out what the events produced at the disk's pace.
 */
export async function forEachJournalEvent(journalPath: string, fn: (event: JournalEvent) => void, afterChunk?: () => Promise<void>, fromByte = 0): Promise<void> {
  // From a byte past the header, every line is an event.
  let lineNo = fromByte > 0 ? 1 : 0;
  await forEachLine(
    journalPath,
    (buf, start, end) => {
      lineNo++;
      if (lineNo === 1 || end === start) return;
      const event = decodeEvent(buf.toString('utf8', start, end), lineNo);
      if (event !== undefined && event.t !== 'header') fn(event);
    },
    afterChunk,
    fromByte,
  );
}
