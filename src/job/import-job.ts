import type { HeaderIndex } from '../csv/header.js';
import { normalizeBaseUrl } from '../api/base-url.js';
import type { MatchKey, ResolvedConfig } from '../config/resolved.js';
import { existsSync } from 'node:fs';
import { ImportError, UsageError } from '../errors.js';
import { journalRefusedRun } from './refused-run.js';
import { JOURNAL_FORMAT } from '../state/private-files.js';
import { JOURNAL_VERSION, type ClockEvent } from '../journal/events.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { checkpointJournal, replayJournal } from '../journal/replay.js';
import type { ResumeState } from '../journal/fold-state.js';
import { acquireRunLock } from '../state/run-lock.js';
import { describeExternalId, describeSource, type IdentityVerdict } from '../journal/external-id-check.js';
import { checkTarget, describeTarget, newKeySalt, type Target } from '../journal/target.js';
import type { Log } from '../log.js';
import { Counts } from './counts.js';
import { statePath } from '../state/private-files.js';
import { type ProgressSink } from '../report/progress.js';
import type { FailedTolerance, Summary } from '../report/summary.js';
import { jobApiClient, type JobApiClientOptions } from './job-api-client.js';
import type { NextStep } from '../report/html-report.js';
import { deletedSizeBefore } from '../state/run-folders.js';
import { Runner, type RunEnd } from './runner.js';
import { finishJob, type RunResult } from './finish-job.js';
import { startUp, type StartedUp } from './start-up.js';
import { importRecords, type ImportRecordsInput } from './import-records.js';
import { openJobInput } from './open-job-input.js';
import { DEFAULT_RULES, type PlanRules } from './plan.js';
import { deleteMissing, deletionHistory, type SourceSeen } from './delete-missing.js';
import type { DeleteMissingResult } from '../report/summary.js';
import { checkRecordsNamedAlike } from './records-named-alike.js';
import { decidedRecords, reviewRun, unmatchedDecisionsWarning, type ReviewInput } from './review-decisions.js';
import { reportDelimiter } from '../input/table.js';

/**
 * What tests replace or shorten, apart from what a run is asked to do: the API
 * client's transport, clock and randomness and its down-breaker
 * (job-api-client.ts), the grace a stop gives requests on their way, and the
 * refusal streak that makes a job-wide refusal.
 */
export interface ImportSeams extends Pick<JobApiClientOptions, 'breaker' | 'transport' | 'clock' | 'random'> {
  /** How long requests on their way may take to finish once the job stops. */
  readonly graceMs?: number;
  /** Records refused in a row with one code before the job stops as a job-wide refusal (default 10). */
  readonly refusalStreak?: number;
}

/** What an import is asked to do (the CLI's flags and config), and, apart, the seams tests replace. */
export interface ImportOptions {
  /** What to do after this run, in words and as commands, for report.html (the CLI knows how it was started). */
  readonly nextSteps?: (summary: Summary) => readonly NextStep[];
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly apiKey: string;
  readonly log: Log;
  /** Overrides config api.baseUrl. */
  readonly baseUrl?: string;
  readonly maxRows?: number;
  readonly maxDurationMs?: number;
  /**
   * What to do when the workspace already has a contact with a record's
   * externalId (made before this job): leave it ('skip', counted as already
   * done) or PATCH it ('update'). Default 'skip'.
   */
  readonly onExisting?: 'skip' | 'update';
  /** A record changed since the job last sent it: update its contact (default), or only report it. */
  readonly onChanged?: 'update' | 'skip';
  /** run --verify: unchanged records' contacts are read and compared with what the job wrote (job/plan.ts). */
  readonly verify?: boolean;
  /** --tolerate-failed: a run whose failed records stay within it exits 0 (job/run-summary.ts completedExitCode). */
  readonly tolerateFailed?: FailedTolerance;
  /** Adopt the workspace's contacts by these keys (overrides the config's matchExisting; [] turns it off). */
  readonly matchExisting?: readonly MatchKey[];
  /** --delete-missing: delete the contacts the job made, release those it adopted, when they left the source (guarded: job/delete-missing.ts). */
  readonly deleteMissing?: { readonly maxDelete?: number; readonly confirmDelete?: number };
  /** The key differs from the one the state directory was made with, but the workspace is the same (a rotated key). */
  readonly sameWorkspace?: boolean;
  /** Aborted by the CLI on SIGINT/SIGTERM. */
  readonly stop?: AbortSignal;
  /** Called about once a second and at the end with where the job stands. */
  readonly progress?: ProgressSink;
  readonly seams?: ImportSeams;
}

/** A failure report (its _source_ columns) or a review.csv, under any name: never the export (journal/runs.ts). */
const ranOnReport = (header: HeaderIndex, review: unknown): boolean =>
  header.source !== undefined || review !== undefined;

/**
 * The import: read → map → validate → skip what is done → send (rate limit,
 * concurrency, retry, lookup when needed) → record → report. Resumable at any
 * point: the journal says which externalIds exist, and an attempt with no
 * outcome is looked up before it is sent again.
 */
export async function importJob(options: ImportOptions): Promise<Summary> {
  const { config, stateDir, log } = options;
  const startedAt = new Date();
  const journalPath = statePath(stateDir, 'journal');
  // What deleted.csv holds before this run: the rows after it are this run's (runs/<start>/deleted.csv).
  const deletedFrom = deletedSizeBefore(stateDir);
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? config.api.baseUrl);
  const { input, review, table, header, restoreTemp, lockedEarly } = await openRun(options, journalPath, startedAt);
  let releaseLock: () => void;
  try {
    releaseLock = lockedEarly ?? acquireRunLock(stateDir, log);
  } catch (err) {
    restoreTemp();
    throw err;
  }
  let journal: JournalWriter | undefined;
  try {
    const known = await readPast(journalPath, baseUrl, options);
    const { past } = known;
    const identity = await checkRecordsNamedAlike(past, config, input, journalPath, log);
    const runner = new Runner({
      concurrency: config.api.concurrency,
      graceMs: options.seams?.graceMs,
      maxDurationMs: options.maxDurationMs,
      signal: options.stop,
    });
    const { api, stats } = jobApiClient({ ...options.seams, apiKey: options.apiKey, api: config.api }, baseUrl, runner);
    // What an earlier run measured of the contacts' clock proves its attempts' contacts before this run writes anything.
    if (past.clock !== undefined) api.serverClock.seed(past.clock);
    const ready = await startUp(runner, {
      ...{ config, baseUrl, api, input, header, journalPath, past, log },
      newKey: known.newKey,
      matchChoice: options.matchExisting ?? config.matchExisting,
      reviewRun: review !== undefined,
    });
    let result: RunResult;
    if (ready === undefined) {
      result = { counts: new Counts(), ...startUpEnd(await runner.finish()) };
      journal = refusedRunJournal(journalPath, past, options, { startedAt, report: ranOnReport(header, review) });
    } else {
      journal = openJournal(journalPath, past, known, options, { startedAt, report: ranOnReport(header, review) });
      const run = { input, table, header, past, api, stats, runner, journal, startedAt, review, ready };
      result = await sendRecords(options, { ...run, identity });
    }
    const calibration = api.serverClock.calibration;
    if (journal !== undefined && calibration !== undefined) journal.append(clockEvent(calibration));
    const summary = await finishJob(options, result, stats, startedAt, journal, past.runs, table, deletedFrom);
    if (journal !== undefined) {
      journal.close();
      await leaveCheckpoint(journalPath, past, options);
    }
    return summary;
  } finally {
    // A journal that could not be written (a full disk) is the error that counts, and the lock is released whatever happens.
    try {
      journal?.close();
    } finally {
      releaseLock();
      restoreTemp();
    }
  }
}

/**
 * The run's input opened. A job with a journal takes its lock first, so that a
 * run refused there is journaled (refused-run.ts); a first run makes nothing
 * before its input and config fit (open-job-input.ts), and locks after.
 */
async function openRun(options: ImportOptions, journalPath: string, startedAt: Date) {
  const lockedEarly = existsSync(journalPath) ? acquireRunLock(options.stateDir, options.log) : undefined;
  try {
    return { ...(await openRunInput(options)), lockedEarly };
  } catch (err) {
    if (lockedEarly !== undefined) {
      try {
        if (err instanceof ImportError) journalRefusedRun(journalPath, options.input, startedAt, err);
      } finally {
        lockedEarly();
      }
    }
    throw err;
  }
}

/** The run's input opened; for a review.csv with a person's decisions, the job's export, its records those of the decisions alone. */
async function openRunInput(options: ImportOptions) {
  const run = await reviewRun(options.input, options.stateDir);
  if (run !== undefined)
    options.log.info(
      `${options.input}: ${run.review.decisions.size} decision(s) (${run.review.undecided} row(s) left for review), carried out on their records in ${run.source}`,
    );
  const input = run?.source ?? options.input;
  const review: ReviewInput | undefined = run?.review;
  return { input, review, ...(await openJobInput(input, options.config, options.stateDir)) };
}

/**
 * A run that stopped or was refused at start-up: a job with a journal records
 * it too, start and end (why, and what to do), since status reads the journal
 * alone. A first run has none, and makes none: a refused key must not bind the
 * job to itself.
 */
function refusedRunJournal(
  journalPath: string,
  past: ResumeState,
  options: ImportOptions,
  { startedAt, report }: { startedAt: Date; report: boolean },
): JournalWriter | undefined {
  if (past.header === undefined) return undefined;
  const journal = new JournalWriter(journalPath, undefined);
  journal.append({
    t: 'run',
    event: 'start',
    at: startedAt.toISOString(),
    pid: process.pid,
    input: options.input,
    ...(report && { report: true }),
  });
  return journal;
}

/** The next run starts from here: it replays only what comes after (journal/checkpoint.ts). */
async function leaveCheckpoint(journalPath: string, past: ResumeState, options: ImportOptions): Promise<void> {
  const unsaved = await checkpointJournal(journalPath, past);
  if (unsaved !== undefined)
    options.log.warn(
      `${statePath(options.stateDir, 'checkpoint')}: not written (${unsaved}); the next run reads the whole journal instead, which takes longer`,
      'CHECKPOINT_NOT_WRITTEN',
    );
}

/** How a run that never got past its start-up ended: a stop there is said so. */
function startUpEnd(end: RunEnd): RunEnd {
  return end.stoppedEarly !== undefined ? { ...end, stoppedEarly: `${end.stoppedEarly} during start-up` } : end;
}

/** The sending: the journal's identity and clock lines, a review's decisions, the records, then --delete-missing. */
async function sendRecords(
  options: ImportOptions,
  run: Pick<ImportRecordsInput, 'table' | 'header' | 'past' | 'api' | 'stats' | 'runner' | 'journal'> & {
    readonly input: string;
    readonly identity: IdentityVerdict;
    readonly startedAt: Date;
    readonly review: ReviewInput | undefined;
    readonly ready: StartedUp;
  },
): Promise<Awaited<ReturnType<typeof importRecords>>> {
  const { stateDir } = options;
  const { past, journal, review } = run;
  journalIdentity(options, run);
  run.api.serverClock.onFirstStamp = (interval) => journal.append(clockEvent(interval));
  const rules: PlanRules = {
    onExisting: options.onExisting ?? DEFAULT_RULES.onExisting,
    onChanged: options.onChanged ?? DEFAULT_RULES.onChanged,
    ...(options.verify && { verify: true }),
  };
  const afterSending = deletionAfterSending(options, run);
  // The decisions are the journal's from now on: this run and every later one carry them out until the record is done.
  for (const [id, d] of review?.decisions ?? []) {
    journal.append({ t: 'decision', id, d: d.kind, ...(d.kind === 'adopt' && { cid: d.contactId }) });
    past.decisions.set(id, d);
  }
  const decided = review === undefined ? undefined : decidedRecords(review);
  const sent = await importRecords({
    ...options,
    ...(options.seams?.refusalStreak !== undefined && { refusalStreak: options.seams.refusalStreak }),
    table: run.table,
    header: run.header,
    past,
    api: run.api,
    stats: run.stats,
    runner: run.runner,
    journal,
    reportDir: stateDir,
    rules,
    ...(run.ready.index && { index: run.ready.index }),
    ...(run.ready.owners && { owners: run.ready.owners }),
    ...(afterSending && { afterSending }),
    ...(decided && { only: decided.only }),
  });
  journal.flush();
  const unmatched = sent.stoppedEarly === undefined && sent.aborted === undefined ? decided?.unmatched() : undefined;
  if (review !== undefined && unmatched?.length)
    options.log.warn(unmatchedDecisionsWarning(review, run.input, unmatched), 'REVIEW_DECISIONS_UNMATCHED');
  return sent;
}

type SendingRun = Parameters<typeof sendRecords>[1];

/**
 * No finished record's id changed: later runs compare with the definition as
 * it is now. A journal of an older version learns its source now (the first
 * run of this version cannot tell whether it changed before).
 */
function journalIdentity(options: ImportOptions, run: SendingRun): void {
  const recordSource = run.past.header !== undefined && run.past.sourceDefinition === undefined;
  if (run.identity.kind !== 'recheck' && !recordSource) return;
  run.journal.append({
    t: 'identity',
    ...(run.identity.kind === 'recheck' && { definition: run.identity.now }),
    ...(recordSource && { source: describeSource(options.config.source) }),
    at: run.startedAt.toISOString(),
  });
}

/** --delete-missing, after every record is sent: only for a run that reads the whole input. */
function deletionAfterSending(
  options: ImportOptions,
  run: SendingRun,
): ((seen: SourceSeen) => Promise<DeleteMissingResult>) | undefined {
  const deletion = options.deleteMissing;
  if (deletion === undefined || options.maxRows !== undefined) return undefined;
  const { stateDir } = options;
  return (seen) =>
    deleteMissing({
      api: run.api,
      runner: run.runner,
      journal: run.journal,
      journalPath: statePath(stateDir, 'journal'),
      past: run.past,
      deletedCsv: statePath(stateDir, 'deleted'),
      delimiter: reportDelimiter(run.table.writeBack),
      priorPath: statePath(stateDir, 'prior'),
      seen,
      evidence: {
        records: seen.records,
        ...deletionHistory(options.input, run.header, run.past.runs),
        ...(deletion.confirmDelete !== undefined && { confirmDelete: deletion.confirmDelete }),
      },
      log: options.log,
      ...(deletion.maxDelete !== undefined && { maxDelete: deletion.maxDelete }),
    });
}

const clockEvent = (interval: { lo: number; hi: number }): ClockEvent => ({
  t: 'clock',
  lo: interval.lo,
  hi: interval.hi,
  at: new Date().toISOString(),
});

/** The journal's story so far, checked: it must belong to this API and key (exit 2 otherwise), and not to a job rolled back. */
async function readPast(
  journalPath: string,
  baseUrl: string,
  options: ImportOptions,
): Promise<{ past: ResumeState; target: Target; rebind: boolean; newKey: boolean }> {
  const { log } = options;
  const past = await replayJournal(journalPath);
  if (past.rolledBack.size > 0 || existsSync(statePath(options.stateDir, 'rollbackLog'))) {
    // Its journal still says "created" for contacts the rollback deleted: importing on it would skip them.
    throw new UsageError(
      'JOB_ROLLED_BACK',
      `${options.stateDir} belongs to a job that was rolled back: its journal still names the contacts the rollback deleted`,
      { hint: 'import again into a new --state-dir' },
    );
  }
  if (past.repairedBytes > 0)
    log.warn(
      `${journalPath}: cut ${past.repairedBytes} bytes of a line torn by a crash; its record will be checked by lookup`,
      'JOURNAL_REPAIRED',
    );
  // The job's own salt (a new job's is new): fingerprints of one key differ from job to job.
  const salt = past.header ? past.header.keySalt : newKeySalt();
  const target = { ...describeTarget(baseUrl, options.apiKey, salt), ...(salt !== undefined && { salt }) };
  const rebind = checkTarget(past, target, journalPath, options.sameWorkspace ?? false);
  const newKey = rebind && past.target !== undefined && past.target.keyFingerprint !== target.keyFingerprint;
  return { past, target, rebind, newKey };
}

/** Opens the journal for this run: its header on the first run, the new target after a key rotation, and the run's start. */
function openJournal(
  journalPath: string,
  past: ResumeState,
  { target, rebind }: { target: Target & { salt?: string }; rebind: boolean },
  options: ImportOptions,
  run: { startedAt: Date; report: boolean },
): JournalWriter {
  const { config, log } = options;
  const at = run.startedAt.toISOString();
  const journal = new JournalWriter(
    journalPath,
    past.header
      ? undefined
      : {
          t: 'header',
          format: JOURNAL_FORMAT,
          version: JOURNAL_VERSION,
          mappingHash: config.mappingHash,
          baseUrl: target.baseUrl,
          keyFingerprint: target.keyFingerprint,
          ...(target.salt !== undefined && { keySalt: target.salt }),
          externalIdDefinition: describeExternalId(config.externalId),
          sourceDefinition: describeSource(config.source),
          createdAt: at,
        },
  );
  if (rebind) {
    log.warn(
      `${journalPath}: now bound to ${target.baseUrl} with the key ${target.keyFingerprint} (--same-workspace)`,
      'KEY_REBOUND',
    );
    journal.append({ t: 'target', baseUrl: target.baseUrl, keyFingerprint: target.keyFingerprint, at });
  }
  journal.append({
    t: 'run',
    event: 'start',
    at,
    pid: process.pid,
    input: options.input,
    ...(run.report && { report: true }),
  });
  return journal;
}
