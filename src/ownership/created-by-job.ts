import type { DoneEvent, JournalEvent, Relation } from '../journal/events.js';
import type { Done } from '../journal/done-records.js';
import type { ResumeState } from '../journal/fold-state.js';
import { JournalLines } from '../journal/line-reader.js';

/**
 * One owner for the fact "created by this job": created.csv, status, rollback
 * and the resume ask here and derive nothing themselves. What the job is to a
 * contact (the Relation) is read off the journal's events (journal/events.ts);
 * which record has which contact, off the journal's fold (journal/replay.ts),
 * whose finished records say where their last write's line is.
 */

/** Whether a journal event says this job made the contact. */
export const isCreatedByJob = (event: JournalEvent): event is DoneEvent =>
  event.t === 'done' && event.rel === 'created';

/** Whether the job answers for a record's contact: it made it, or adopted it (--delete-missing deletes or releases those). */
export const ownedByJob = (relation: Relation): boolean => relation === 'created' || relation === 'adopted';

/** A record's contact as the journal leaves it (the last word per externalId). */
export interface JobContact {
  readonly externalId: string;
  readonly contactId: string;
  readonly line: number;
  readonly relation: Relation;
  /** The contact's updatedAt after the job's last write, where the journal has it. */
  readonly leftAt?: string;
}

/**
 * The contacts of the finished records `which` picks, read from their last
 * write's line (one small read each: ask for the few you need).
 */
export function jobContacts(
  journalPath: string,
  past: Pick<ResumeState, 'done'>,
  which: (externalId: string, done: Done) => boolean = () => true,
): JobContact[] {
  const lines = new JournalLines(journalPath);
  try {
    const out: JobContact[] = [];
    for (const [externalId, done] of past.done.entries()) {
      if (!which(externalId, done)) continue;
      out.push(contactAt(lines, externalId, done.relation, done.writeAt, past.done.leftAtLine(externalId)));
    }
    return out;
  } finally {
    lines.close();
  }
}

/**
 * The workspace's contacts a delete of this job removed: an adopted or updated
 * contact that --delete-missing of an earlier version deleted (this one
 * releases them). A rollback makes those again from their state before the job.
 */
export function removedContacts(journalPath: string, past: Pick<ResumeState, 'removed'>): JobContact[] {
  if (past.removed.length === 0) return [];
  const lines = new JournalLines(journalPath);
  try {
    return past.removed.map((r) => contactAt(lines, r.externalId, r.relation, r.writeAt, r.leftAtLine));
  } finally {
    lines.close();
  }
}

/** A record's contact from its last write's line, and the updatedAt of the write that last changed it. */
function contactAt(
  lines: JournalLines,
  externalId: string,
  relation: Relation,
  writeAt: number | undefined,
  leftAtLine: number | undefined,
): JobContact {
  const write = writeAt === undefined ? undefined : lines.eventAt(writeAt).event;
  if (write === undefined || (write.t !== 'done' && write.t !== 'patched') || write.id !== externalId)
    throw new Error(`${lines.path}: the line replay kept for ${JSON.stringify(externalId)} is not its write`);
  // A sync that wrote nothing carries no updatedAt: the job's last is the write's before.
  const leftAt =
    leftAtLine === undefined || leftAtLine === writeAt
      ? write.up
      : (lines.eventAt(leftAtLine).event as { up?: string } | undefined)?.up;
  return {
    externalId,
    contactId: write.cid,
    line: write.line,
    relation,
    ...(leftAt !== undefined && { leftAt }),
  };
}
