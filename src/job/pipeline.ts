import type { InputTable } from '../input/table.js';
import type { Classifier, ValidRecord } from '../classify/classify.js';
import type { IdFormCheck } from './id-form.js';
import type { Match } from '../workspace/index.js';
import { isCreate, planRecord, type PastView, type Plan, type PlanRules } from './plan.js';
import type { Recorder } from './recorder.js';

export type SendPlan = Extract<Plan, { kind: 'send' }>;

export interface PipelineParts {
  readonly table: InputTable;
  readonly classifier: Classifier;
  readonly past: PastView;
  readonly rules: PlanRules;
  readonly recorder: Recorder;
  /** A record whose id is a finished record's with other leading zeros (job/id-form.ts): failed before it is planned. */
  readonly idForm?: IdFormCheck | undefined;
  /** What the workspace index matches for a record the journal does not know (adoption); none without an index. */
  readonly match?: (record: ValidRecord) => Match;
  /** Only the records whose externalId this accepts are this run's (review.csv's decisions); the rest are passed over, uncounted. */
  readonly only?: (externalId: string) => boolean;
  /** Asked before each record: false ends the reading (a stop, --max-rows). */
  readonly keepReading: () => boolean;
  /**
   * A record to send: the import sends it (the promise resolves when there is
   * room for the next); the dry run sends nothing and records what it would do.
   */
  readonly send: (plan: SendPlan) => void | Promise<void>;
}

/**
 * The one pipeline of the import and the dry run: read → classify → plan →
 * record, or send. Everything but sending is recorded here; sending is the
 * caller's, so the dry run is this same loop with a sender that sends nothing.
 */
export async function runPipeline(parts: PipelineParts): Promise<void> {
  for await (const batch of parts.table.batches) {
    for (const item of batch) {
      if (!parts.keepReading()) return;
      const classified = parts.classifier.classify(item);
      if (parts.only !== undefined && (classified.kind !== 'valid' || !parts.only(classified.externalId))) continue;
      parts.recorder.read();
      // Only a record the journal does not know, and no person decided on, is matched against the workspace.
      const match =
        parts.match &&
        classified.kind === 'valid' &&
        !parts.past.done.has(classified.externalId) &&
        !parts.past.decisions?.has(classified.externalId)
          ? parts.match(classified)
          : undefined;
      const plan = planRecord(classified, parts.past, parts.rules, match);
      if (plan.kind !== 'send') {
        parts.recorder.planned(plan);
        continue;
      }
      // A create only: a record the journal knows has its own id (and the check costs a finished record nothing).
      const misread = parts.idForm !== undefined && isCreate(plan) ? parts.idForm(plan.record) : undefined;
      if (misread !== undefined) {
        parts.classifier.readAs(misread.finished, plan.record.line);
        parts.recorder.planned({ kind: 'reject', record: misread.rejected });
        continue;
      }
      const room = parts.send(plan);
      if (room !== undefined) await room;
    }
    await parts.recorder.pace();
  }
}
