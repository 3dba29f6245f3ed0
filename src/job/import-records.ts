import type { OwnerLookup } from '../mapping/map-record.js';
import type { ApiClient } from '../api/client.js';
import type { LookupResult } from '../api/lookup.js';
import type { HeaderIndex } from '../csv/header.js';
import { decodedFrom, reportDelimiter, type InputTable } from '../input/table.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import type { ResumeState } from '../journal/fold-state.js';
import { JobAbortedError } from '../errors.js';
import { Classifier } from '../classify/classify.js';
import type { Counts } from './counts.js';
import { statePath } from '../state/private-files.js';
import type { ProgressSink } from '../report/progress.js';
import { LookupBatcher } from '../api/lookup.js';
import { RefusalBreaker } from '../send/refusal-breaker.js';
import type { RequestStats } from '../api/request-stats.js';
import { sendRecord, type SendOutcome } from '../send/send-record.js';
import type { Log } from '../log.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { idColumnOf, idFormCheck } from './id-form.js';
import { runPipeline, type SendPlan } from './pipeline.js';
import { bodyHash, type PlanRules } from './plan.js';
import { ConflictsReport, DriftReport } from '../report/conflicts-report.js';
import { readLastWrite } from '../journal/line-reader.js';
import { ownedByJob } from '../ownership/created-by-job.js';
import type { WorkspaceIndex } from '../workspace/index.js';
import type { DeleteMissingResult } from '../report/summary.js';
import type { SourceSeen } from './delete-missing.js';
import { startProgress } from './progress-ticker.js';
import { Timeline } from '../report/timeline.js';
import { readingReports } from './reading-reports.js';
import { Recorder } from './recorder.js';
import type { Runner, RunEnd } from './runner.js';

export interface ImportRecordsInput {
  readonly config: ResolvedConfig;
  readonly log?: Log;
  readonly table: InputTable;
  readonly header: HeaderIndex;
  readonly past: ResumeState;
  readonly api: ApiClient;
  readonly stats: RequestStats;
  readonly runner: Runner;
  readonly journal: JournalWriter;
  /** Where failures.csv and dropped-values.csv go. */
  readonly reportDir: string;
  readonly rules: PlanRules;
  /** The workspace's contacts, when the job adopts them (--match-existing). */
  readonly index?: WorkspaceIndex;
  /** Only these records are this run's (review.csv's decisions: job/pipeline.ts). */
  readonly only?: (externalId: string) => boolean;
  /** The workspace's users, when the config maps an owner column. */
  readonly owners?: OwnerLookup;
  readonly maxRows?: number;
  /**
   * After every record was read and sent, when the run was not stopped or
   * limited (--delete-missing): a phase that may send more through the same runner.
   */
  readonly afterSending?: (seen: SourceSeen) => Promise<DeleteMissingResult>;
  readonly refusalStreak?: number;
  readonly progress?: ProgressSink;
}

/** The import's sending phase: the pipeline (job/pipeline.ts), with a sender that sends each planned record and journals it. */
export async function importRecords(
  run: ImportRecordsInput,
): Promise<RunEnd & { counts: Counts; timeline: Timeline; deleted?: DeleteMissingResult }> {
  const { runner } = run;
  const recorder = recorderFor(run);
  const { send, earlyLookup } = recordSender(run, recorder);
  let sent = 0;
  const deferred: SendPlan[] = [];
  const keepReading = () => {
    if (!runner.keepReading) return false;
    if (run.maxRows === undefined || sent < run.maxRows) return true;
    // The records already read are finished; the rest wait for the next run.
    runner.stop(`--max-rows ${run.maxRows} reached`, true);
    return false;
  };
  const timeline = new Timeline();
  const ticker = startProgress(run.progress, run.table, recorder.counts, run.stats, timeline);
  const classifier = new Classifier(
    run.config,
    run.header,
    decodedFrom(run.table.writeBack),
    run.table.estimatedRecords,
    run.owners,
  );
  try {
    await runPipeline({
      table: run.table,
      classifier,
      past: run.past,
      rules: run.rules,
      recorder,
      idForm: idFormCheck(run.past, idColumnOf(run.config)),
      ...(run.index && { match: (record) => run.index!.match(record, run.past.updatesInDoubt.has(record.externalId)) }),
      keepReading,
      ...(run.only && { only: run.only }),
      send: (plan) => {
        sent++;
        // An earlier run's create in doubt is proven only on a calibrated clock (ownership/prove.ts): with none yet, the
        // records' creates that follow calibrate it. Deferred to the end of the input, it holds no slot meanwhile.
        if (plan.inDoubt && run.api.serverClock.offset === undefined) return void deferred.push(plan);
        const current = earlyLookup(plan);
        return runner.submit(() => send(plan, current));
      },
    });
    for (const plan of deferred) {
      if (runner.keepReading) await runner.submit(() => send(plan));
      else recorder.outcome(plan.record, bodyHash(plan.record.payload), { kind: 'inDoubt' });
    }
    await runner.drain();
    const deleted = await afterTheInput(run, classifier, recorder);
    const end = await runner.finish();
    ticker.stop();
    await recorder.commit();
    return { ...end, counts: recorder.counts, timeline, ...(deleted && { deleted }) };
  } catch (err) {
    recorder.discard();
    throw err;
  }
}

/** The recorder of this run: its reports, the journal, the refusal breaker, and what the journal knew of each record. */
function recorderFor(run: ImportRecordsInput): Recorder {
  const delimiter = reportDelimiter(run.table.writeBack);
  return new Recorder({
    ...readingReports(run.table, run.header, run.reportDir, run.log, true),
    journal: run.journal,
    conflicts: new ConflictsReport(statePath(run.reportDir, 'conflicts'), delimiter),
    ...(run.rules.verify && { drift: new DriftReport(statePath(run.reportDir, 'drift'), delimiter) }),
    breaker: new RefusalBreaker(run.refusalStreak),
    pastFailure: (id) => run.past.failed.get(id),
    owned: (id) => {
      const done = run.past.done.get(id);
      return done !== undefined && ownedByJob(done.relation);
    },
    onTrip: (trip) => run.runner.abort(new JobAbortedError('JOB_WIDE_REFUSAL', trip.message, { hint: trip.hint })),
    ...(run.log && { warn: (m: string, code: string) => run.log!.warn(m, code) }),
  });
}

/**
 * Sends a planned record and records how it ended. A changed record's contact
 * is asked for as soon as the record is planned (`earlyLookup`), not when its
 * turn to send comes: the lookups of the records read ahead gather into
 * requests of up to 20 ids, past the concurrency's count.
 */
function recordSender(run: ImportRecordsInput, recorder: Recorder) {
  const { runner } = run;
  const ctx = {
    api: run.api,
    journal: run.journal,
    lookup: new LookupBatcher(run.api),
    onExisting: run.rules.onExisting,
    arrays: run.config.update.arrays,
    sync: { conflicts: run.config.update.conflicts, fields: run.config.update.fields },
  };
  const send = async (
    { record, inDoubt, attemptedAt, sync, adopt, heldElsewhere, ofJobSource }: SendPlan,
    current?: Promise<LookupResult>,
  ) => {
    const hash = bodyHash(record.payload);
    let outcome: SendOutcome = { kind: 'notSent' };
    try {
      if (!runner.stopping.signal.aborted) {
        // A changed record's contact and base: a read of its last write's journal line (journal/line-reader.ts).
        const { contactId, base } =
          sync?.writeAt !== undefined ? readLastWrite(run.journal.path, sync.writeAt, sync.hasBase === true) : {};
        outcome = await sendRecord(ctx, {
          externalId: record.externalId,
          line: record.line,
          body: record.payload,
          inDoubt,
          ...(attemptedAt !== undefined && { attemptedAt }),
          ...(sync && {
            sync: {
              relation: sync.relation,
              ...(contactId !== undefined && { contactId }),
              ...(current && { current }),
              ...(base && { base }),
              ...(sync.verify && { verify: true as const }),
            },
          }),
          ...(adopt && { adopt }),
          ...(heldElsewhere && { heldElsewhere }),
          ...(ofJobSource && { ofJobSource }),
        });
      }
    } catch (err) {
      runner.abort(err);
    }
    recorder.outcome(record, hash, outcome);
  };
  const earlyLookup = (plan: SendPlan): Promise<LookupResult> | undefined => {
    if (plan.sync === undefined || runner.stopping.signal.aborted) return undefined;
    const current = ctx.lookup.find(plan.record.externalId);
    // Awaited by the record's task; a stop may leave it unawaited (it rejects only on a bug).
    current.catch(() => {});
    return current;
  };
  return { send, earlyLookup };
}

/**
 * Once every record is sent: a file rewritten while it was read stops the run
 * (what was read is sent, but the run did not read "the input"); a run that
 * read the whole input then deletes what left it (--delete-missing).
 */
async function afterTheInput(
  run: ImportRecordsInput,
  classifier: Classifier,
  recorder: Recorder,
): Promise<DeleteMissingResult | undefined> {
  const { runner } = run;
  const changed = runner.keepReading ? await run.table.changedSinceOpen() : undefined;
  if (changed !== undefined)
    runner.stop(
      `the input changed while it was read (${changed}): the records read were sent; run again on the file as it is now`,
      true,
    );
  const seen: SourceSeen = {
    hasSeen: (id) => classifier.hasSeen(id),
    unreadable: classifier.unreadable,
    records: recorder.counts.read - recorder.counts.buckets.ignored,
    madeOwned: recorder.madeOwned,
  };
  // Only a whole read: a stop, --max-rows or an abort leaves the source partly unread.
  return run.afterSending && runner.keepReading ? run.afterSending(seen) : undefined;
}
