import { failedCardsFact } from '../report/failed-cards.js';
import type { OpenedCsv } from '../csv/read-csv.js';
import { normalizeBaseUrl } from '../api/base-url.js';
import { readOwners } from '../workspace/owners.js';
import type { UserDirectory } from '../workspace/users.js';
import { ApiClient } from '../api/client.js';
import type { MatchKey, ResolvedConfig } from '../config/resolved.js';
import { refuseUnmatchedFirstRun } from '../workspace/build-index.js';
import type { WorkspaceIndex } from '../workspace/index.js';
import { existsSync, statSync } from 'node:fs';
import { JobAbortedError, ExitCode, UsageError } from '../errors.js';
import { JOURNAL_FORMAT } from '../state/private-files.js';
import { JOURNAL_VERSION, type ClockEvent } from '../journal/events.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { checkpointJournal, replayJournal } from '../journal/replay.js';
import type { ResumeState } from '../journal/fold-state.js';
import { acquireRunLock } from '../state/run-lock.js';
import {
  checkExternalIdDefinition,
  checkSource,
  describeExternalId,
  describeSource,
  idsChangedError,
  type IdentityVerdict,
} from '../journal/external-id-check.js';
import { checkTarget, describeTarget, newKeySalt, type Target } from '../journal/target.js';
import { checkSameWorkspace } from '../ownership/same-workspace.js';
import type { Log } from '../log.js';
import { Counts } from '../report/counts.js';
import { writeCreatedReport } from '../report/created-report.js';
import { statePath } from '../state/private-files.js';
import { type ProgressSink } from '../report/progress.js';
import { buildSummary, completedExitCode, runFacts, type FailedTolerance, type Summary } from '../report/summary.js';
import type { RequestStats } from '../api/request-stats.js';
import { jobApiClient, type JobApiClientOptions } from './job-api-client.js';
import type { NextStep } from '../report/html-report.js';
import { runsFromJournal, type RunRow } from '../journal/runs.js';
import { deletedSizeBefore, keepRunFiles, runFolderFiles } from '../state/run-folders.js';
import { summaryJson, writeRunReports } from '../report/run-reports.js';
import { mappingChangeWarning } from '../journal/mapping-check.js';
import type { Timeline } from '../report/timeline.js';
import { abortedBy, Runner, type RunEnd } from './runner.js';
import { importRecords } from './import-records.js';
import { openJobInput } from './open-job-input.js';
import { DEFAULT_RULES, type PlanRules } from './plan.js';
import { deleteMissing, deletionHistory, type SourceSeen } from './delete-missing.js';
import { type DeleteMissingResult } from '../report/summary.js';
import { changedIds, matchingIndex } from './input-passes.js';
import { readReviewDecisions, reviewSource } from './review-decisions.js';
import { checkCreatedByUser, checkWorkspace } from '../workspace/workspace-check.js';

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
  /** --tolerate-failed: a run whose failed records stay within it exits 0 (report/summary.ts completedExitCode). */
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

/**
 * The import: read → map → validate → skip what is done → send (rate limit,
 * concurrency, retry, lookup when needed) → record → report. Resumable at any
 * point: the journal says which externalIds exist, and an attempt with no
 * outcome is looked up before it is sent again.
 */
export async function importJob(options: ImportOptions): Promise<Summary> {
  const { config, stateDir, log } = options;
  // review.csv with a person's decisions: they are carried out on the records of the job's export, and on those alone.
  const review = readReviewDecisions(options.input);
  const input =
    review === undefined
      ? options.input
      : reviewSource((await replayJournal(statePath(stateDir, 'journal'), { repair: false })).runs, options.input);
  if (review !== undefined)
    log.info(
      `${options.input}: ${review.decisions.size} decision(s) (${review.undecided} row(s) left for review), carried out on their records in ${input}`,
    );
  const startedAt = new Date();
  // What deleted.csv holds before this run: the rows after it are this run's (runs/<start>/deleted.csv).
  const deletedFrom = deletedSizeBefore(stateDir);
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? config.api.baseUrl);

  const { csv, header, restoreTemp } = await openJobInput(input, config, stateDir);
  let releaseLock: () => void;
  try {
    releaseLock = acquireRunLock(stateDir, log);
  } catch (err) {
    restoreTemp();
    throw err;
  }
  const journalPath = statePath(stateDir, 'journal');
  let journal: JournalWriter | undefined;
  try {
    const { past, target, rebind, newKey, identity } = await readPast(journalPath, baseUrl, options);
    // The same id template read another way: the records decide whether any finished one would get a new id (exit 2 then).
    if (identity.kind === 'recheck') {
      const { changed, total } = await changedIds({ input, config }, past, identity.old);
      if (total > 0) throw idsChangedError(identity, changed, total, journalPath, config.file);
    }
    // Said once the records are known to keep their ids ("records stay matched by externalId").
    const changedMapping = mappingChangeWarning(past.header, config, journalPath);
    if (changedMapping !== undefined) log.warn(changedMapping, 'MAPPING_CHANGED');
    const runner = new Runner({
      concurrency: config.api.concurrency,
      graceMs: options.seams?.graceMs,
      maxDurationMs: options.maxDurationMs,
      signal: options.stop,
    });
    const { api, stats } = jobApiClient(
      { ...options.seams, apiKey: options.apiKey, api: options.config.api },
      baseUrl,
      runner,
    );
    // What an earlier run measured of the contacts' clock proves its attempts' contacts before this run writes anything.
    if (past.clock !== undefined) api.serverClock.seed(past.clock);
    // Before anything is sent or written: the key is accepted and the config fits the workspace.
    // A stop that comes before or during these (a slow API, a big journal) ends the run here.
    // undefined: no matching chosen (a first run into a workspace with app-made contacts then stops).
    const matchChoice = options.matchExisting ?? config.matchExisting;
    const matchKeys = matchChoice ?? [];
    let refused = options.stop?.aborted ? undefined : await startupChecks(config, baseUrl, api, options.stop);
    // A new key for the job (--same-workspace): its workspace must be the one the job imported into.
    if (refused === undefined && newKey && !options.stop?.aborted) await checkSameWorkspace(api, journalPath, past);
    let index: WorkspaceIndex | undefined;
    let owners: UserDirectory | undefined;
    if (refused === undefined && !options.stop?.aborted) {
      try {
        if (config.owner !== undefined) owners = await readOwners(api, config, header, input, log, options.stop);
        const pass = { input, config, ...(owners && { owners }), ...(options.stop && { stop: options.stop }) };
        // A review.csv run carries out decisions only, and a decided record matches nothing: no listing.
        if (review === undefined && matchKeys.length > 0) {
          index = await matchingIndex(api, matchKeys, pass, past, log);
          if (index === undefined)
            log.info(
              'matching existing contacts: every record of the input is one the job has finished, so the workspace is not listed',
            );
        } else if (past.header === undefined && matchChoice === undefined) {
          await refuseUnmatchedFirstRun(api, options.stop);
        }
      } catch (err) {
        if (!(err instanceof JobAbortedError)) throw err;
        refused = err;
      }
    }
    let result: RunEnd & { counts: Counts; timeline?: Timeline; deleted?: DeleteMissingResult };
    let sent: Awaited<ReturnType<typeof importRecords>> | undefined;
    if (options.stop?.aborted || refused !== undefined) {
      await runner.finish();
      // A job with a journal records this run too, start and end (why, and what to do): status reads the journal alone.
      // A first run has none, and makes none: a refused key must not bind the job to itself.
      if (past.header !== undefined) {
        journal = new JournalWriter(journalPath, undefined);
        journal.append({
          t: 'run',
          event: 'start',
          at: startedAt.toISOString(),
          pid: process.pid,
          input: options.input,
        });
      }
      // A stop cuts the start-up requests: that is the stop, not a refusal.
      result = {
        counts: new Counts(),
        ...(options.stop?.aborted || refused === undefined
          ? { stoppedEarly: 'stopped by a signal during start-up' }
          : abortedBy(refused)),
      };
    } else {
      journal = openJournal(journalPath, past, target, rebind, options, startedAt);
      // No finished record's id changed: later runs compare with the definition as it is now. A journal of an
      // older version learns its source now (the first run of this version cannot tell whether it changed before).
      const recordSource = past.header !== undefined && past.sourceDefinition === undefined;
      if (identity.kind === 'recheck' || recordSource) {
        journal.append({
          t: 'identity',
          ...(identity.kind === 'recheck' && { definition: identity.now }),
          ...(recordSource && { source: describeSource(config.source) }),
          at: startedAt.toISOString(),
        });
      }
      const clockWriter = journal;
      api.serverClock.onFirstStamp = (interval) => clockWriter.append(clockEvent(interval));
      const rules: PlanRules = {
        onExisting: options.onExisting ?? DEFAULT_RULES.onExisting,
        onChanged: options.onChanged ?? DEFAULT_RULES.onChanged,
        ...(options.verify && { verify: true }),
      };
      const writer = journal;
      const deletion = options.deleteMissing;
      const afterSending =
        deletion && options.maxRows === undefined
          ? (seen: SourceSeen) => {
              const evidence = {
                records: seen.records,
                ...deletionHistory(options.input, header, past.runs),
                ...(deletion.confirmDelete !== undefined && { confirmDelete: deletion.confirmDelete }),
              };
              return deleteMissing({
                api,
                runner,
                journal: writer,
                journalPath,
                past,
                deletedCsv: statePath(stateDir, 'deleted'),
                delimiter: csv.delimiter,
                priorPath: statePath(stateDir, 'prior'),
                seen,
                evidence,
                log,
                ...(deletion.maxDelete !== undefined && { maxDelete: deletion.maxDelete }),
              });
            }
          : undefined;
      // The decisions are the journal's from now on: this run and every later one carry them out until the record is done.
      for (const [id, d] of review?.decisions ?? []) {
        journal.append({ t: 'decision', id, d: d.kind, ...(d.kind === 'adopt' && { cid: d.contactId }) });
        past.decisions.set(id, d);
      }
      const only = review === undefined ? undefined : (id: string) => review.decisions.has(id);
      sent = await importRecords({
        ...options,
        ...(options.seams?.refusalStreak !== undefined && { refusalStreak: options.seams.refusalStreak }),
        csv,
        header,
        past,
        api,
        stats,
        runner,
        journal,
        reportDir: stateDir,
        rules,
        ...(index && { index }),
        ...(owners && { owners }),
        ...(afterSending && { afterSending }),
        ...(only && { only }),
      });
      result = sent;
      journal.flush();
    }
    const calibration = api.serverClock.calibration;
    if (journal !== undefined && calibration !== undefined) journal.append(clockEvent(calibration));
    const summary = await finishJob(options, result, stats, startedAt, journal, past.runs, csv, deletedFrom);
    if (journal !== undefined) {
      journal.close();
      // The next run starts from here: it replays only what comes after (journal/checkpoint.ts).
      const unsaved = await checkpointJournal(journalPath, past);
      if (unsaved !== undefined)
        log.warn(
          `${statePath(stateDir, 'checkpoint')}: not written (${unsaved}); the next run reads the whole journal instead, which takes longer`,
          'CHECKPOINT_NOT_WRITTEN',
        );
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

const clockEvent = (interval: { lo: number; hi: number }): ClockEvent => ({
  t: 'clock',
  lo: interval.lo,
  hi: interval.hi,
  at: new Date().toISOString(),
});

/** The journal's story so far, checked: it must belong to this API and key, and name records as the config does (exit 2 otherwise). */
async function readPast(
  journalPath: string,
  baseUrl: string,
  options: ImportOptions,
): Promise<{ past: ResumeState; target: Target; rebind: boolean; newKey: boolean; identity: IdentityVerdict }> {
  const { config, log } = options;
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
  const identity = checkExternalIdDefinition(past.idDefinition, config.externalId, journalPath, config.file);
  checkSource(past.sourceDefinition, config.source, journalPath, config.file);
  const newKey = rebind && past.target !== undefined && past.target.keyFingerprint !== target.keyFingerprint;
  return { past, target, rebind, newKey, identity };
}

/** The key is accepted, the custom fields fit, createdByUserId is a user. Returns the error the job aborts with (exit 3); a misfit config throws (exit 2). */
async function startupChecks(
  config: ResolvedConfig,
  baseUrl: string,
  api: ApiClient,
  stop?: AbortSignal,
): Promise<JobAbortedError | undefined> {
  try {
    await checkWorkspace(config, baseUrl, api, stop);
    await checkCreatedByUser(config, baseUrl, api, stop);
    return undefined;
  } catch (err) {
    if (err instanceof JobAbortedError) return err;
    throw err;
  }
}

/** Opens the journal for this run: its header on the first run, the new target after a key rotation, and the run's start. */
function openJournal(
  journalPath: string,
  past: ResumeState,
  target: Target & { salt?: string },
  rebind: boolean,
  options: ImportOptions,
  startedAt: Date,
): JournalWriter {
  const { config, log } = options;
  const at = startedAt.toISOString();
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
  journal.append({ t: 'run', event: 'start', at, pid: process.pid, input: options.input });
  return journal;
}

/** The run's reports: summary.json, created.csv (from the journal), and the run's end in the journal. */
async function finishJob(
  options: ImportOptions,
  result: RunEnd & { counts: Counts; timeline?: Timeline },
  stats: RequestStats,
  startedAt: Date,
  journal: JournalWriter | undefined,
  pastRuns: ResumeState['runs'],
  table: Pick<OpenedCsv, 'format' | 'delimiter'>,
  deletedFrom: number,
): Promise<Summary> {
  const { config, input, stateDir } = options;
  const finishedAt = new Date();
  const sendingSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  const deletion = deletionFacts(options, result);
  const deletionFailed =
    deletion !== undefined && 'refused' in deletion && (deletion.refused !== undefined || deletion.failed > 0);
  const exitCode = result.aborted
    ? ExitCode.aborted
    : result.stoppedEarly
      ? ExitCode.stoppedEarly
      : deletionFailed
        ? ExitCode.someFailed
        : completedExitCode(result.counts, options.tolerateFailed);
  const failedRecords = result.counts.buckets.failed + result.counts.buckets.duplicate;
  const tolerated =
    exitCode === ExitCode.ok && failedRecords > 0 && options.tolerateFailed !== undefined
      ? {
          toleratedFailed: {
            records: failedRecords,
            tolerance:
              'count' in options.tolerateFailed
                ? String(options.tolerateFailed.count)
                : `${options.tolerateFailed.percent}%`,
          },
        }
      : {};
  const summary = buildSummary(
    {
      ...runFacts('import', input, config.file, stateDir, startedAt, finishedAt),
      exitCode,
      ...tolerated,
      ...(result.stoppedEarly && { stoppedEarly: result.stoppedEarly }),
      ...(result.aborted && { abortedBecause: result.aborted }),
      ...(result.abortHint && { abortHint: result.abortHint }),
      requests: stats.toJSON(),
      achievedRate: sendingSeconds > 0 ? stats.requests / sendingSeconds : 0,
      ...(result.timeline && { timeline: result.timeline.toJSON() }),
      ...(deletion && { deleteMissing: deletion }),
      ...failedCardsFact(table.format, result.counts, stateDir),
      reportHtml: statePath(stateDir, 'reportHtml'),
    },
    result.counts,
  );
  let createdThrough: number | undefined;
  if (journal !== undefined) {
    // Every line so far on disk (written, not yet fsynced: the reader reads the page cache).
    journal.flush();
    const journalPath = statePath(stateDir, 'journal');
    createdThrough = statSync(journalPath).size;
    await writeCreatedReport(
      journalPath,
      statePath(stateDir, 'created'),
      lastCreatedThrough(pastRuns),
      table.delimiter,
    );
  }
  const removed =
    deletion !== undefined && !('skipped' in deletion)
      ? { deleted: deletion.deleted, released: deletion.released }
      : {};
  // This run's own copies first (runs/<start>/), so report.html links them.
  const files = keepRunFiles(stateDir, startedAt, deletedFrom, summaryJson(summary));
  const thisRun: RunRow = {
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    endedAt: finishedAt.toISOString(),
    exitCode,
    input,
    counts: summary.counts,
    ...removed,
    files,
  };
  const pastRows = runsFromJournal(pastRuns);
  const folders = runFolderFiles(
    stateDir,
    pastRows.map((r) => r.startedAt),
  );
  const rows = [
    ...pastRows.map((r) => ({ ...r, ...(folders.has(r.startedAt) && { files: folders.get(r.startedAt)! }) })),
    thisRun,
  ];
  await writeRunReports(stateDir, summary, rows, options.nextSteps?.(summary) ?? []);
  journal?.append({
    t: 'run',
    event: 'end',
    ...(result.stoppedEarly !== undefined && { stopped: result.stoppedEarly }),
    ...(result.aborted !== undefined && { aborted: result.aborted }),
    ...(result.abortHint !== undefined && { hint: result.abortHint }),
    ...(Object.keys(result.counts.failedBy).length > 0 && { failedBy: { ...result.counts.failedBy } }),
    at: finishedAt.toISOString(),
    pid: process.pid,
    exitCode,
    counts: summary.counts,
    ...removed,
    ...(createdThrough !== undefined && { createdThrough }),
  });
  return summary;
}

/** The journal offset created.csv covered at the end of the last run that finished (a killed run's reports are rebuilt from there). */
function lastCreatedThrough(runs: ResumeState['runs']): number | undefined {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]!.event === 'end') return runs[i]!.createdThrough;
  return undefined;
}

/** What --delete-missing did, or why it did nothing (a run that did not read the whole input). */
function deletionFacts(
  options: ImportOptions,
  result: { deleted?: DeleteMissingResult; stoppedEarly?: string; aborted?: string },
): Summary['deleteMissing'] {
  if (options.deleteMissing === undefined) return undefined;
  if (result.deleted !== undefined) return result.deleted;
  const why =
    options.maxRows !== undefined
      ? '--max-rows limits what is read'
      : result.aborted
        ? 'the run aborted'
        : 'the run stopped before the end of the input';
  return { skipped: `nothing deleted: ${why}; only a run that reads the whole input deletes` };
}
