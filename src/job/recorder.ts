import type { JournalEvent } from '../journal/events.js';
import { ownedByJob } from '../ownership/created-by-job.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { Drift } from '../sync/drift.js';
import type { ValidRecord } from '../classify/classify.js';
import { Counts } from './counts.js';
import { ProblemCode, type Problem } from '../mapping/problem.js';
import type { DroppedValuesReport } from '../report/dropped-report.js';
import type { FailuresReport } from '../report/failures-report.js';
import type { JsonlWriter } from '../report/jsonl-writer.js';
import type { ReviewReport } from '../report/review-report.js';
import type { PastFailure } from '../journal/fold-state.js';
import { judgeRefusal, type BreakerVerdict, type RefusalBreaker, type Trip } from '../send/refusal-breaker.js';

/** A refused record as the breaker holds it: the record, and the problem it fails with if it is its own. */
export interface HeldRefusal {
  readonly record: ValidRecord;
  readonly problem: { readonly code: string; readonly line: number; readonly message: string };
}
import type { SendOutcome } from '../send/send-record.js';
import type { Plan } from './plan.js';
import type { IndexedContact } from '../workspace/index.js';
import { baseOf } from '../sync/base.js';
import type { Conflict } from '../sync/three-way.js';
import type { ConflictsReport, DriftReport } from '../report/conflicts-report.js';
import { displayName } from '../workspace/same-person.js';
import { sourceOf } from '../api/contract.js';

export interface RecorderSinks {
  /** failures.csv (the import's, or the dry run's own). */
  readonly failures: FailuresReport;
  /** The import: each record's outcome, as a journal line. */
  readonly journal?: JournalWriter;
  /** The dry run: each valid record's request body, as a line of payloads.jsonl. */
  readonly payloads?: JsonlWriter;
  /** Values left out of records that were imported (or would be, in a dry run). */
  readonly dropped: DroppedValuesReport;
  /** Records that match contacts a person must decide on (review.csv). */
  readonly review?: ReviewReport;
  /** The import: tells a job-wide refusal from bad records. */
  readonly breaker?: RefusalBreaker<HeldRefusal>;
  /** What earlier runs journaled of a record's failure: a refusal repeated after a job-wide trip is the record's own. */
  readonly pastFailure?: (externalId: string) => PastFailure | undefined;
  /** Whether the job answered for the record's contact (made or adopted it) before this run. */
  readonly owned?: (externalId: string) => boolean;
  /** Called once when the breaker trips, after the refused records were journaled as retryable. */
  readonly onTrip?: (trip: Trip) => void;
  /** A warning for the run's log (said once, where it is decided). */
  readonly warn?: (message: string, code: string) => void;
  /** Fields both the source and the workspace changed (conflicts.csv). */
  readonly conflicts?: ConflictsReport;
  /** run --verify: fields no longer as the job wrote them (drift.csv). */
  readonly drift?: DriftReport;
}

/** Adoption PATCHes refused with none accepted before the run says the workspace's API does not let the job adopt. */
export const ADOPTIONS_REFUSED_TO_WARN = 3;

/**
 * How each record ends, in one place: its bucket in the counts, its row in
 * failures.csv, its outcome line in the journal (the sender journals only its
 * attempts), and what the refusal breaker learns from it.
 */
export class Recorder {
  readonly counts = new Counts();
  /** Records this run made the job's (created or adopted) that it did not answer for before: --delete-missing's count of the job's contacts. */
  madeOwned = 0;

  constructor(private readonly sinks: RecorderSinks) {}

  read(): void {
    this.counts.read++;
  }

  /** A record whose plan is final without sending: unchanged, existing, changed, review, reject, failed before. */
  planned(plan: Exclude<Plan, { kind: 'send' }>): void {
    switch (plan.kind) {
      case 'unchanged':
        // Imported by an earlier run with these very values: what it left out is still left out,
        // so dropped-values.csv and the summary's count cover the whole job, not the last run.
        this.counts.add(plan.kind);
        this.contactKept(plan.record);
        return;
      case 'existing':
      case 'changed':
      case 'skipped':
        this.counts.add(plan.kind);
        return;
      case 'review':
        this.review(plan.record, plan.why, plan.candidates);
        return;
      case 'ignore':
        this.counts.addIgnored(plan.line.line, plan.line.text, plan.line.why);
        return;
      case 'reject': {
        const r = plan.record;
        this.counts.add(
          r.bucket,
          r.problems.map((p) => p.code),
        );
        this.counts.digest.add('failed', r.problems);
        this.counts.notePhones(r.problems);
        this.sinks.failures.add(r.fields, r.line, r.problems, r.raw);
        return;
      }
      case 'failedBefore':
        this.failed({
          record: plan.record,
          problem: { code: plan.code, line: plan.record.line, message: plan.message },
        });
        return;
    }
  }

  /** The dry run: a record that would be sent (created, updated: `changed`, or adopting a contact: `adopted`). */
  valid(record: ValidRecord, bucket: 'valid' | 'changed' | 'adopted' = 'valid'): void {
    this.counts.add(bucket);
    this.contactKept(record);
    // The same text as JSON.stringify({ line, externalId, body }).
    this.sinks.payloads?.writeJsonText(
      `{"line":${record.line},"externalId":${JSON.stringify(record.externalId)},"body":${JSON.stringify(record.payload)}}`,
    );
  }

  /** A dry run's --verify preview (job/verify-preview.ts): a record's drift, listed as the import would list it. */
  driftPreviewed(record: ValidRecord, drift: readonly Drift[]): void {
    this.counts.drift += drift.length;
    for (const d of drift) this.sinks.drift?.add(record.line, record.externalId, d, false);
  }

  /** The import: what sending a record came to. `hash`: its body's (plan.ts bodyHash). */
  outcome(record: ValidRecord, hash: string, sent: SendOutcome): void {
    if (sent.kind !== 'notSent') this.counts.sent++;
    const outcome =
      sent.kind === 'failed' ? judgeRefusal(sent, this.sinks.pastFailure?.(record.externalId), hash) : sent;
    const line = outcomeLine(record.externalId, record.line, hash, outcome);
    if (line !== undefined) this.sinks.journal?.append(line);
    if (line?.t === 'done' && ownedByJob(line.rel) && !this.sinks.owned?.(record.externalId)) this.madeOwned++;
    // What the job wrote, the base of the next three-way sync (sync/base.ts): the line right after the write's.
    if ((line?.t === 'done' && line.rel !== 'existing') || line?.t === 'patched')
      this.sinks.journal?.append({ t: 'base', b: baseOf(record.payload) });
    if (outcome.kind === 'updated' && outcome.conflicts?.length) this.conflicted(record, outcome.conflicts);
    switch (outcome.kind) {
      case 'failed':
        return this.sendFailed(record, hash, outcome);
      case 'notSent':
      case 'inDoubt':
        this.counts.add(outcome.kind);
        return;
      case 'review':
        return this.adoptionRefused(record, outcome.why, outcome.candidates);
      case 'existing':
        this.counts.add('existing');
        if (outcome.ofJobSource) this.ofAnotherJob(record, outcome.contactId);
        this.succeeded();
        return;
      case 'verified':
        // As the job wrote it, or drifted (listed, maybe written back): the record itself is unchanged.
        this.counts.add('unchanged');
        this.counts.drift += outcome.drift.length;
        for (const d of outcome.drift)
          this.sinks.drift?.add(record.line, record.externalId, d, outcome.repaired !== undefined);
        this.succeeded();
        return;
      case 'created':
      case 'updated':
        if (outcome.kind === 'updated' && outcome.how === 'adopted') this.adoptions.done++;
        this.counts.add(
          outcome.kind === 'updated' && outcome.how === 'adopted'
            ? 'adopted'
            : outcome.kind === 'created' && outcome.restored
              ? 'restored'
              : outcome.kind,
        );
        this.contactKept(record);
        this.succeeded();
    }
  }

  private readonly adoptions = { done: 0, refused: 0 };

  /** A send that failed: the record's own failure, or one the breaker holds (it may be one of a job-wide refusal's), or a trip. */
  private sendFailed(
    record: ValidRecord,
    hash: string,
    outcome: Extract<SendOutcome, { kind: 'failed' }> & { countsTowardTrip: boolean },
  ): void {
    const problem = {
      code: outcome.code,
      line: record.line,
      message: `${outcome.message}${outcome.retryable ? ' (retryable: a rerun tries it again)' : ''}`,
    };
    const breaker = this.sinks.breaker;
    if (breaker === undefined) return this.failed({ record, problem });
    const refusal = {
      externalId: record.externalId,
      line: record.line,
      code: outcome.code,
      message: outcome.message,
      bodyHash: hash,
    };
    this.apply(breaker.judge({ record, problem }, refusal, outcome.countsTowardTrip));
  }

  /** A refused adoption is the record's, for a person to decide: never a failure, never toward the job-wide breaker. */
  private adoptionRefused(record: ValidRecord, why: string, candidates: readonly IndexedContact[]): void {
    this.review(record, why, candidates);
    if (++this.adoptions.refused === ADOPTIONS_REFUSED_TO_WARN && this.adoptions.done === 0) {
      this.sinks.warn?.(
        `the API refused each of the first ${ADOPTIONS_REFUSED_TO_WARN} adoption PATCHes (${why}): this workspace's API does not seem to let the job adopt contacts. The matched records go to review.csv; new records are still created`,
        'ADOPTION_REFUSED',
      );
    }
  }

  /**
   * A record whose contact carries the config's own source but was not made
   * by this job: another job's (run with another state directory, or one that
   * is gone). It is left alone as the workspace's, so the export's changes to
   * it never reach it: worth a warning (trouble for --quiet and --notify),
   * said once with the ways on, and a count in the summary.
   */
  ofAnotherJob(record: ValidRecord, contactId: string): void {
    if (this.counts.ofAnotherJob++ > 0) return;
    this.sinks.warn?.(
      `line ${record.line}: contact ${contactId}, of this config's source ${JSON.stringify(sourceOf(record.payload))}, already holds externalId ${JSON.stringify(record.externalId)}, and this job did not make it: another job did (one run with another --state-dir, or whose state directory is gone or was restored from an older copy). This job leaves such contacts alone (counted as existing), so the export's changes to them are not synced. If another job made them, run with its --state-dir instead; if that folder is gone, add --on-existing update to this job's command: each such contact is then PATCHed, and so taken into this job, when the job first meets it or its record changes (its state before is kept for rollback)`,
      'CONTACTS_OF_ANOTHER_JOB',
    );
  }

  /** A sync met fields both sides changed: counted, and listed in conflicts.csv. */
  private conflicted(record: ValidRecord, conflicts: readonly Conflict[]): void {
    this.counts.conflicts += conflicts.length;
    for (const c of conflicts) this.sinks.conflicts?.add(record.line, record.externalId, c);
  }

  private review(record: ValidRecord, why: string, candidates: readonly IndexedContact[]): void {
    this.counts.add('review');
    const df = record.payload.defaultFields;
    this.sinks.review?.add(record.line, record.externalId, displayName(df.firstName, df.lastName), why, candidates);
  }

  private failed({ record, problem }: HeldRefusal): void {
    this.counts.add('failed', [problem.code]);
    this.counts.digest.add('failed', [problem]);
    this.sinks.failures.add(record.fields, record.line, [problem]);
  }

  private succeeded(): void {
    for (const h of this.sinks.breaker?.succeed() ?? []) this.failed(h);
  }

  /** What the breaker decided of a refusal, carried out. */
  private apply(verdict: BreakerVerdict<HeldRefusal>): void {
    for (const h of verdict.failed) this.failed(h);
    if (verdict.tripped !== undefined) this.tripped(verdict.tripped.trip, verdict.tripped.items);
  }

  /** A record whose contact is (or in a dry run would be) in the workspace: whether it has a phone, and the values it left out. */
  private contactKept(record: ValidRecord): void {
    if (record.payload.defaultFields.phoneNumbers === undefined) this.counts.withoutPhone++;
    if (record.dropped === undefined) return;
    // An owner that matched no user is one line per owner in the summary, not a value left out of each of its records.
    const dropped: Problem[] = [];
    for (const d of record.dropped) {
      if (d.code === ProblemCode.ownerUnknown) this.counts.noteOwnerUnmatched(d.value ?? '');
      else dropped.push(d);
    }
    if (dropped.length === 0) return;
    this.counts.notePhones(dropped);
    this.counts.addDropped(dropped.map((d) => d.code));
    this.counts.digest.add('left out', dropped);
    this.sinks.dropped.add(record.externalId, dropped);
  }

  /** A job-wide refusal: none of its records is counted failed or listed in failures.csv, none stays failed for good, a rerun sends them. */
  private tripped(trip: Trip, held: readonly HeldRefusal[]): void {
    for (const h of held) this.counts.add('tripped', [h.problem.code]);
    for (const r of trip.refused) {
      this.sinks.journal?.append({
        t: 'failed',
        id: r.externalId,
        line: r.line,
        code: r.code,
        message: `${r.message} (a job-wide refusal: sent again on the next run)`,
        retryable: true,
        h: r.bodyHash,
        trip: true,
      });
    }
    this.sinks.onTrip?.(trip);
  }

  /** Lets the report files' buffers drain (see AtomicPrivateFile.pace). */
  async pace(): Promise<void> {
    await Promise.all([
      this.sinks.failures.pace(),
      this.sinks.dropped.pace(),
      this.sinks.payloads?.pace(),
      this.sinks.review?.pace(),
      this.sinks.conflicts?.pace(),
      this.sinks.drift?.pace(),
    ]);
  }

  async commit(): Promise<void> {
    for (const h of this.sinks.breaker?.release() ?? []) this.failed(h);
    await Promise.all([
      this.sinks.failures.commit(),
      this.sinks.dropped.commit(),
      this.sinks.payloads?.commit(),
      this.sinks.review?.commit(),
      this.sinks.conflicts?.commit(),
      this.sinks.drift?.commit(),
    ]);
  }

  /** The run failed: no half report replaces the last whole one. */
  discard(): void {
    this.sinks.failures.discard();
    this.sinks.dropped.discard();
    this.sinks.payloads?.discard();
    this.sinks.review?.discard();
    this.sinks.conflicts?.discard();
    this.sinks.drift?.discard();
  }
}

/**
 * The journal line that says how a sent record ended; none when it did not
 * end (not sent, or in doubt). A finished record keeps its body's hash: the
 * next run sends it only if it changed.
 */
export function outcomeLine(id: string, line: number, hash: string, outcome: SendOutcome): JournalEvent | undefined {
  const up = (o: { updatedAt?: string }) => (o.updatedAt !== undefined ? { up: o.updatedAt } : {});
  switch (outcome.kind) {
    case 'created':
      return { t: 'done', id, cid: outcome.contactId, line, rel: 'created', h: hash, ...up(outcome) };
    case 'existing':
      return { t: 'done', id, cid: outcome.contactId, line, rel: 'existing', h: hash };
    case 'updated':
      // A sync keeps who made the contact; a first PATCH of the workspace's contact says it was updated or adopted.
      return outcome.how === 'sync'
        ? {
            t: 'patched',
            id,
            cid: outcome.contactId,
            line,
            why: 'sync',
            h: hash,
            ...up(outcome),
            ...(outcome.conflicts?.length && { cf: outcome.conflicts }),
          }
        : { t: 'done', id, cid: outcome.contactId, line, rel: outcome.how, h: hash, ...up(outcome) };
    case 'failed':
      return {
        t: 'failed',
        id,
        line,
        code: outcome.code,
        message: outcome.message,
        retryable: outcome.retryable,
        h: hash,
        ...(outcome.doubt && { doubt: true }),
      };
    case 'review':
      // The adoption PATCH was refused: it changed nothing, the attempt is closed.
      return { t: 'absent', id };
    case 'verified':
      if (outcome.repaired !== undefined)
        return {
          t: 'patched',
          id,
          cid: outcome.contactId,
          line,
          why: 'drift',
          h: hash,
          ...up(outcome.repaired),
          dr: outcome.drift,
        };
      return outcome.drift.length > 0 ? { t: 'drift', id, cid: outcome.contactId, dr: outcome.drift } : undefined;
    case 'notSent':
    case 'inDoubt':
      return undefined;
  }
}
