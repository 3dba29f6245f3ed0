import type { OpenedCsv } from '../csv/read-csv.js';
import type { Classifier } from '../pipeline/classify.js';
import { planRecord, type PastView, type Plan } from './plan.js';
import type { Recorder } from './recorder.js';

export type SendPlan = Extract<Plan, { kind: 'send' }>;

export interface PipelineParts {
  readonly csv: OpenedCsv;
  readonly classifier: Classifier;
  readonly past: PastView;
  readonly recorder: Recorder;
  /** An externalId an earlier run created (the import); without it every record is mapped in full (the dry run). */
  readonly isDone?: (externalId: string) => boolean;
  /** Asked before each record: false ends the reading (a stop, --max-rows). */
  readonly keepReading: () => boolean;
  /**
   * A record to send: the import sends it (the promise resolves when there is
   * room for the next); the dry run sends nothing and records it as valid.
   */
  readonly send: (plan: SendPlan) => void | Promise<void>;
}

/**
 * The one pipeline of the import and the dry run: read → classify → plan →
 * record, or send. Everything but sending is recorded here; sending is the
 * caller's, so the dry run is this same loop with a sender that sends nothing.
 */
export async function runPipeline(p: PipelineParts): Promise<void> {
  for await (const batch of p.csv.batches) {
    for (const item of batch) {
      if (!p.keepReading()) return;
      p.recorder.read();
      // A record done before is found without mapping it: a resume skips a million cheaply.
      const done = p.isDone && p.classifier.skipIfDone(item, p.isDone);
      const plan = planRecord(done ? { kind: 'done', externalId: done } : p.classifier.classify(item), p.past);
      if (plan.kind !== 'send') {
        p.recorder.planned(plan);
        continue;
      }
      const room = p.send(plan);
      if (room !== undefined) await room;
    }
    await p.recorder.pace();
  }
}
