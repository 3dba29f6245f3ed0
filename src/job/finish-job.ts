import { statSync } from 'node:fs';
import type { RequestStats } from '../api/request-stats.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { reportDelimiter, type InputTable } from '../input/table.js';
import { ExitCode } from '../errors.js';
import type { RunEvent } from '../journal/events.js';
import type { ResumeState } from '../journal/fold-state.js';
import type { JournalWriter } from '../journal/journal-writer.js';
import { runsFromJournal, type RunRow } from '../journal/runs.js';
import type { Counts } from './counts.js';
import { buildSummary, completedExitCode } from './run-summary.js';
import { writeCreatedReport } from '../report/created-report.js';
import { failedCardsFact } from '../report/failed-cards.js';
import type { NextStep } from '../report/html-report.js';
import { summaryJson, writeRunReports } from '../report/run-reports.js';
import { runFacts, type DeleteMissingResult, type FailedTolerance, type Summary } from '../report/summary.js';
import type { Timeline } from '../report/timeline.js';
import { statePath } from '../state/private-files.js';
import { keepRunFiles, runFolderFiles } from '../state/run-folders.js';
import type { RunEnd } from './runner.js';

/** What an import run was asked to do, as its end reports it. */
export interface FinishOptions {
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly tolerateFailed?: FailedTolerance;
  readonly deleteMissing?: object;
  readonly maxRows?: number;
  readonly nextSteps?: (summary: Summary) => readonly NextStep[];
}

export type RunResult = RunEnd & { counts: Counts; timeline?: Timeline; deleted?: DeleteMissingResult };

/** How the run went, as its end is written down. */
interface Ended {
  readonly result: RunResult;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly exitCode: ExitCode;
  readonly summary: Summary;
  readonly deletion: Summary['deleteMissing'];
}

/**
 * A run's end: its summary, then created.csv (from the journal), this run's
 * own folder of reports, summary.json and report.html with every run's row,
 * and last the run's end in the journal.
 */
export async function finishJob(
  options: FinishOptions,
  result: RunResult,
  stats: RequestStats,
  startedAt: Date,
  journal: JournalWriter | undefined,
  pastRuns: ResumeState['runs'],
  table: Pick<InputTable, 'writeBack'>,
  deletedFrom: number,
): Promise<Summary> {
  const { stateDir } = options;
  const finishedAt = new Date();
  const deletion = deletionFacts(options, result);
  const exitCode = runExitCode(options, result, deletion);
  const summary = importSummary(options, result, stats, { startedAt, finishedAt, exitCode, deletion }, table);
  const ended: Ended = { result, startedAt, finishedAt, exitCode, summary, deletion };
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
      reportDelimiter(table.writeBack),
    );
  }
  // This run's own copies first (runs/<start>/), so report.html links them.
  const files = keepRunFiles(stateDir, startedAt, deletedFrom, summaryJson(summary));
  await writeRunReports(
    stateDir,
    summary,
    runRows(options, ended, pastRuns, files),
    options.nextSteps?.(summary) ?? [],
  );
  journal?.append(runEndEvent(ended, createdThrough));
  return summary;
}

/** Exit 3 for an abort, 4 for a stop, 1 for a deletion refused or failed, else what the records came to. */
function runExitCode(options: FinishOptions, result: RunResult, deletion: Summary['deleteMissing']): ExitCode {
  const deletionFailed =
    deletion !== undefined && 'refused' in deletion && (deletion.refused !== undefined || deletion.failed > 0);
  if (result.aborted) return ExitCode.aborted;
  if (result.stoppedEarly) return ExitCode.stoppedEarly;
  if (deletionFailed) return ExitCode.someFailed;
  return completedExitCode(result.counts, options.tolerateFailed);
}

function importSummary(
  options: FinishOptions,
  result: RunResult,
  stats: RequestStats,
  run: { startedAt: Date; finishedAt: Date; exitCode: ExitCode; deletion: Summary['deleteMissing'] },
  table: Pick<InputTable, 'writeBack'>,
): Summary {
  const { config, input, stateDir } = options;
  const sendingSeconds = (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
  return buildSummary(
    {
      ...runFacts('import', input, config.file, stateDir, run.startedAt, run.finishedAt),
      exitCode: run.exitCode,
      ...toleratedFact(options, result, run.exitCode),
      ...(result.stoppedEarly && { stoppedEarly: result.stoppedEarly }),
      ...(result.aborted && { abortedBecause: result.aborted }),
      ...(result.abortHint && { abortHint: result.abortHint }),
      requests: stats.toJSON(),
      achievedRate: sendingSeconds > 0 ? stats.requests / sendingSeconds : 0,
      ...(result.timeline && { timeline: result.timeline.toJSON() }),
      ...(run.deletion && { deleteMissing: run.deletion }),
      ...failedCardsFact(table.writeBack.format, result.counts.buckets, stateDir),
      reportHtml: statePath(stateDir, 'reportHtml'),
    },
    result.counts,
  );
}

/** Failed records a --tolerate-failed allowed: the exit is 0, and the summary says what was let through. */
function toleratedFact(
  options: FinishOptions,
  result: RunResult,
  exitCode: ExitCode,
): Pick<Summary, 'toleratedFailed'> | Record<string, never> {
  const failedRecords = result.counts.buckets.failed + result.counts.buckets.duplicate;
  const tolerance = options.tolerateFailed;
  if (exitCode !== ExitCode.ok || failedRecords === 0 || tolerance === undefined) return {};
  return {
    toleratedFailed: {
      records: failedRecords,
      tolerance: 'count' in tolerance ? String(tolerance.count) : `${tolerance.percent}%`,
    },
  };
}

/** The contacts --delete-missing deleted and released, for a run that tried. */
const removedBy = (deletion: Summary['deleteMissing']): { deleted?: number; released?: number } =>
  deletion !== undefined && !('skipped' in deletion) ? { deleted: deletion.deleted, released: deletion.released } : {};

/** report.html's runs table: every earlier run the journal knows (with its folder's files), then this one. */
function runRows(
  options: FinishOptions,
  ended: Ended,
  pastRuns: ResumeState['runs'],
  files: RunRow['files'],
): RunRow[] {
  const pastRows = runsFromJournal(pastRuns);
  const folders = runFolderFiles(
    options.stateDir,
    pastRows.map((r) => r.startedAt),
  );
  const thisRun: RunRow = {
    pid: process.pid,
    startedAt: ended.startedAt.toISOString(),
    endedAt: ended.finishedAt.toISOString(),
    exitCode: ended.exitCode,
    input: options.input,
    counts: ended.summary.counts,
    ...removedBy(ended.deletion),
    files,
  };
  return [
    ...pastRows.map((r) => ({ ...r, ...(folders.has(r.startedAt) && { files: folders.get(r.startedAt)! }) })),
    thisRun,
  ];
}

/** The run's end in the journal: why it stopped or aborted, the hint, its failures by code, its counts (status reads it). */
function runEndEvent(ended: Ended, createdThrough: number | undefined): RunEvent {
  const { result } = ended;
  return {
    t: 'run',
    event: 'end',
    ...(result.stoppedEarly !== undefined && { stopped: result.stoppedEarly }),
    ...(result.aborted !== undefined && { aborted: result.aborted }),
    ...(result.abortHint !== undefined && { hint: result.abortHint }),
    ...(Object.keys(result.counts.failedBy).length > 0 && { failedBy: { ...result.counts.failedBy } }),
    at: ended.finishedAt.toISOString(),
    pid: process.pid,
    exitCode: ended.exitCode,
    counts: ended.summary.counts,
    ...removedBy(ended.deletion),
    ...(createdThrough !== undefined && { createdThrough }),
  };
}

/**
 * The journal offset created.csv covered at the end of the last run that wrote
 * it (a killed run's reports are rebuilt from there); a run refused before it
 * read a record wrote none (refused-run.ts).
 */
function lastCreatedThrough(runs: ResumeState['runs']): number | undefined {
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i]!;
    if (run.event === 'end' && (run.createdThrough !== undefined || run.counts !== undefined))
      return run.createdThrough;
  }
  return undefined;
}

/** What --delete-missing did, or why it did nothing (a run that did not read the whole input). */
function deletionFacts(options: FinishOptions, result: RunResult): Summary['deleteMissing'] {
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
