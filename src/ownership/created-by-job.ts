import { relationOf, type CreatedEvent, type JournalEvent, type Relation } from '../journal/events.js';
import { forEachJournalEvent } from '../journal/codec.js';

/**
 * One owner for the fact "created by this job": created.csv, status, rollback
 * and the resume ask here and derive nothing themselves. What the job is to a
 * contact (the Relation) is read off the journal's events (journal/events.ts).
 */

/** Whether a journal event says this job made the contact. */
export const isCreatedByJob = (event: JournalEvent): event is CreatedEvent =>
  event.t === 'created' && event.how === undefined;

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
  return (await jobContactsAndRemoved(journalPath)).contacts;
}

/**
 * The records' contacts as the journal leaves them, and the workspace's
 * contacts a delete of this job removed: an adopted or updated contact that
 * --delete-missing of an earlier version deleted (this one releases them).
 * A rollback makes those again from their state before the job.
 */
export async function jobContactsAndRemoved(
  journalPath: string,
): Promise<{ contacts: Map<string, JobContact>; removed: JobContact[] }> {
  const byId = new Map<string, JobContact>();
  const removed: JobContact[] = [];
  await forEachJournalEvent(journalPath, (event) => {
    if (event.t === 'created') {
      byId.set(event.id, {
        externalId: event.id,
        contactId: event.cid,
        line: event.line,
        relation: relationOf(event),
        ...(event.up !== undefined && { leftAt: event.up }),
      });
    } else if (event.t === 'updated') {
      const before = byId.get(event.id);
      // A sync's PATCH changes what the contact holds, not who made it.
      // A sync that wrote nothing (the workspace keeps its own values) leaves the last write's updatedAt as the job's.
      const leftAt = event.up ?? before?.leftAt;
      byId.set(event.id, {
        externalId: event.id,
        contactId: event.cid,
        line: event.line,
        relation: before?.relation ?? 'created',
        ...(leftAt !== undefined && { leftAt }),
      });
    } else if (event.t === 'deleted' || event.t === 'released') {
      const before = byId.get(event.id);
      if (
        event.t === 'deleted' &&
        before !== undefined &&
        (before.relation === 'adopted' || before.relation === 'updated')
      )
        removed.push(before);
      byId.delete(event.id);
    }
  });
  return { contacts: byId, removed };
}
