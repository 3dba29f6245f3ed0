import type { LookupResult } from '../api/lookup.js';
import { JournalLines, lastWriteIn } from '../journal/line-reader.js';
import { otherSourceHolder, recordsContact } from '../send/send-record.js';
import { driftOf, type Drift } from '../sync/drift.js';
import type { ValidRecord } from '../classify/classify.js';
import type { SendPlan } from './pipeline.js';
import type { VerifyPreviewFacts } from '../report/summary.js';

/** How many records may wait for their lookup at once: the reading pauses beyond it (20 a lookup, 10 lookups on their way). */
const WAITING_AT_MOST = 200;

/**
 * run --dry-run --verify: what --verify would find, read-only. Each unchanged
 * record the job wrote has its contact read (20 a lookup, at the API's rate,
 * as the import reads them) and judged as send-record.ts verifyRecord judges
 * it: gone (made again), held by another integration (left alone), or
 * compared with the job's last write, its drift listed in dry-run/drift.csv.
 * Nothing is written to the workspace or the journal.
 */
export class VerifyPreview {
  private readonly lines: JournalLines;
  private readonly waiting = new Set<Promise<void>>();
  private counts = { read: 0, wouldRestore: 0, heldElsewhere: 0, unread: 0 };
  private unreadWhy: string | undefined;

  constructor(
    journalPath: string,
    private readonly find: (externalId: string) => Promise<LookupResult>,
    /** Where a drifted record's fields go (the recorder's drift.csv and count). */
    private readonly drifted: (record: ValidRecord, drift: readonly Drift[]) => void,
  ) {
    this.lines = new JournalLines(journalPath);
  }

  /** A record --verify would read: judged when its lookup answers; a promise when the reading should wait for room. */
  check(plan: SendPlan): Promise<void> | undefined {
    const judged = this.judge(plan).finally(() => this.waiting.delete(judged));
    this.waiting.add(judged);
    return this.waiting.size >= WAITING_AT_MOST ? Promise.race(this.waiting) : undefined;
  }

  /** Every record judged (its drift in the recorder's report before the reports are committed). */
  async settled(): Promise<void> {
    await Promise.all(this.waiting);
  }

  /** What was found; the journal closed. */
  async finish(): Promise<VerifyPreviewFacts> {
    try {
      await this.settled();
    } finally {
      this.lines.close();
    }
    return { ...this.counts, ...(this.unreadWhy !== undefined && { unreadWhy: this.unreadWhy }) };
  }

  private async judge(plan: SendPlan): Promise<void> {
    const { record, sync } = plan;
    const found = await this.find(record.externalId);
    if (found.kind === 'failed') {
      this.counts.unread++;
      this.unreadWhy ??= found.why;
      return;
    }
    this.counts.read++;
    const written = sync?.writeAt === undefined ? {} : lastWriteIn(this.lines, sync.writeAt, sync.hasBase === true);
    const rec = { body: record.payload, sync: { relation: sync!.relation, ...written } };
    const contact = recordsContact(found.contacts, rec)[0];
    if (contact === undefined) {
      if (otherSourceHolder(found.contacts, record.payload) !== undefined) this.counts.heldElsewhere++;
      else this.counts.wouldRestore++;
      return;
    }
    const drift = written.base === undefined ? [] : driftOf(contact, record.payload, written.base);
    if (drift.length > 0) this.drifted(record, drift);
  }
}
