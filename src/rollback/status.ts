import { lockState, type LockState } from '../state/run-lock.js';
import { ExitCode } from '../errors.js';
import { existsSync, readFileSync } from 'node:fs';
import { rollbackOutcomes } from './rollback-state.js';
import { ProblemCode } from '../mapping/problem.js';
import { apiStatusOf } from '../api/api-error.js';
import { replayJournal } from '../journal/replay.js';
import { runsFromJournal } from '../journal/runs.js';
import { statePath } from '../state/private-files.js';
import { existingJournal } from '../state/state-dir.js';

export interface JobStatus {
  readonly stateDir: string;
  /** Records whose contact this job made (ownership/created-by-job.ts). */
  readonly created: number;
  /** What a rollback has done so far (its journal events): the job's contacts deleted or found gone, the workspace's restored or left alone. */
  readonly rolledBack?: Readonly<Record<string, number>>;
  /** Records whose contact the workspace had: PATCHed by the job, adopted by it, or left alone. */
  readonly updated: number;
  readonly adopted: number;
  readonly existing: number;
  readonly failedRetryable: number;
  readonly failedPermanent: number;
  readonly inDoubt: number;
  /** Of the attempts without an outcome, those the run holding the lock made: requests on their way, not records in doubt. */
  readonly inFlight: number;
  /** Over the job's runs: fields a sync found changed on both sides, drift --verify found, contacts --delete-missing released and deleted. */
  readonly conflicts: number;
  readonly drift: number;
  readonly released: number;
  readonly deleted: number;
  readonly runs: number;
  readonly lastRun?: {
    readonly startedAt: string;
    readonly endedAt?: string;
    readonly exitCode?: number;
    readonly input?: string;
    readonly pid: number;
    /** Why it stopped before the end of its input, or aborted, and what to do (its end in the journal). */
    readonly stoppedEarly?: string;
    readonly abortedBecause?: string;
    readonly abortHint?: string;
  };
  readonly lock: LockState;
  /** The last run's records by bucket (its end in the journal). */
  readonly lastSummary?: Record<string, number>;
  /** The last run's failed records (failures.csv's rows), by why (a record's data, or the API), and by code: from its end in the journal. */
  readonly failuresReport?: {
    readonly rows: number;
    readonly invalid: number;
    readonly duplicate: number;
    readonly refusedByApi: number;
    readonly notThrough: number;
    readonly byCode: Readonly<Record<string, number>>;
  };
  /** Records of the last run's input not finished yet (never read, not sent, or in doubt); about, from its lines, when the run stopped early. */
  readonly left?: { readonly records: number; readonly about: boolean };
}

/** What a job has done, from its state directory alone, without writing anything. */
export async function jobStatus(stateDir: string): Promise<JobStatus> {
  const journalPath = existingJournal(stateDir);
  const state = await replayJournal(journalPath, { repair: false });
  let failedRetryable = 0;
  for (const f of state.failed.values()) if (f.retryable) failedRetryable++;
  const runs = runsFromJournal(state.runs);
  const last = runs[runs.length - 1];
  const counts = last?.counts;
  const failuresReport = last?.failedBy !== undefined ? failuresOf(last.failedBy) : undefined;
  const stoppedEarly =
    last !== undefined &&
    (last.endedAt === undefined || last.exitCode === ExitCode.aborted || last.exitCode === ExitCode.stoppedEarly);
  const left = recordsLeft(counts, stoppedEarly, last?.input);
  // A run going on (its lock held by a live process): its open attempts are on their way, not in doubt.
  const lock = lockState(stateDir);
  const runningSince = lock.held && lock.alive === true ? Date.parse(lock.startedAt) : undefined;
  let inFlight = 0;
  if (runningSince !== undefined)
    for (const id of state.inDoubt.keys()) if ((state.attemptedAt.get(id) ?? 0) >= runningSince) inFlight++;
  return {
    stateDir,
    ...state.done.countByRelation(),
    ...rolledBack(rollbackOutcomes(state, statePath(stateDir, 'rollbackLog'))),
    failedRetryable,
    failedPermanent: state.failed.size - failedRetryable,
    inDoubt: state.inDoubt.size - inFlight,
    inFlight,
    ...state.tally,
    runs: runs.length,
    ...(last && {
      lastRun: {
        startedAt: last.startedAt,
        pid: last.pid,
        ...(last.input !== undefined && { input: last.input }),
        ...(last.endedAt !== undefined && {
          endedAt: last.endedAt,
          ...(last.exitCode !== undefined && { exitCode: last.exitCode }),
        }),
        ...(last.stopped !== undefined && { stoppedEarly: last.stopped }),
        ...(last.aborted !== undefined && { abortedBecause: last.aborted }),
        ...(last.hint !== undefined && { abortHint: last.hint }),
      },
    }),
    lock,
    ...(counts && { lastSummary: { ...counts } }),
    ...(failuresReport && { failuresReport }),
    ...(left && { left }),
  };
}

/** The codes of a record's own data: the mapping's problems (fix the row). */
const DATA_CODES = new Set<string>(
  Object.values(ProblemCode).filter((c) => c !== ProblemCode.duplicateExternalId && c !== ProblemCode.payloadInvalid),
);

/**
 * The last run's failed records by their first code (its end in the journal:
 * failures.csv's rows, without reading the report): a record's data (fix the
 * row), a duplicate, the API's refusal (4xx), or a request that did not get
 * through (no answer, a 5xx, a failed lookup: the next run tries again).
 */
function failuresOf(failedBy: Readonly<Record<string, number>>): JobStatus['failuresReport'] {
  let invalid = 0;
  let duplicate = 0;
  let refusedByApi = 0;
  let notThrough = 0;
  for (const [code, n] of Object.entries(failedBy)) {
    const status = apiStatusOf(code);
    if (code === ProblemCode.duplicateExternalId) duplicate += n;
    else if (DATA_CODES.has(code)) invalid += n;
    else if (status !== undefined && status >= 400 && status < 500) refusedByApi += n;
    else notThrough += n;
  }
  return {
    rows: invalid + duplicate + refusedByApi + notThrough,
    invalid,
    duplicate,
    refusedByApi,
    notThrough,
    byCode: { ...failedBy },
  };
}

/** What is left of the last run's input: nothing when it ran to the end; else its records not read, not sent or in doubt. */
function recordsLeft(
  summary: Readonly<Record<string, number>> | undefined,
  stoppedEarly: boolean,
  input: string | undefined,
): JobStatus['left'] {
  if (summary === undefined) return undefined;
  const unfinished = (summary.notSent ?? 0) + (summary.inDoubt ?? 0);
  if (!stoppedEarly) return { records: unfinished, about: false };
  if (input === undefined || !existsSync(input)) return { records: unfinished, about: true };
  // Lines, not records (a cell with a line break counts twice): an estimate, said as one.
  const text = readFileSync(input);
  let lines = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) lines++;
  if (text.length > 0 && text[text.length - 1] !== 10) lines++;
  return { records: Math.max(0, lines - 1 - (summary.read ?? 0)) + unfinished, about: true };
}

/** What a rollback has done, by outcome, when one has run. */
function rolledBack(outcomes: ReadonlyMap<string, string>): { rolledBack?: Record<string, number> } {
  if (outcomes.size === 0) return {};
  const out: Record<string, number> = {};
  for (const how of outcomes.values()) out[how] = (out[how] ?? 0) + 1;
  return { rolledBack: out };
}

export function formatStatus(s: JobStatus): string {
  const rb = s.rolledBack;
  const lines = [
    `job in ${s.stateDir}:`,
    ...(rb
      ? [
          `  ROLLED BACK: ${rb.deleted ?? 0} of its contacts deleted, ${rb.gone ?? 0} already gone, ${rb.restored ?? 0} of the workspace's restored, ${rb.changedSince ?? 0} left alone (changed since); the counts below are what the job did before`,
        ]
      : []),
    `  contacts over ${s.runs} run(s): created by this job ${s.created}${s.adopted > 0 ? `, adopted ${s.adopted}` : ''}${s.updated > 0 ? `, the workspace's and updated ${s.updated}` : ''}${s.existing > 0 ? `, the workspace's and left alone ${s.existing}` : ''}`,
    `  failed: ${s.failedRetryable} retryable (tried again on the next run), ${s.failedPermanent} permanent (sent again only once fixed)`,
    `  in doubt: ${s.inDoubt}${s.inDoubt > 0 ? ' (sent, outcome unknown: the next run looks them up before sending anything)' : ''}${s.inFlight > 0 ? `; on their way: ${s.inFlight} (requests of the run going on, waiting for their answers)` : ''}`,
    ...(s.deleted + s.released > 0
      ? [
          `  --delete-missing over all runs: deleted ${s.deleted} contact(s) the job created, released ${s.released} it had adopted (given back as they were)`,
        ]
      : []),
    ...(s.conflicts > 0
      ? [
          `  conflicts over all runs: ${s.conflicts} field(s) changed both in the source and in the workspace (the last run's: conflicts.csv)`,
        ]
      : []),
    ...(s.drift > 0
      ? [`  drift found by --verify over all runs: ${s.drift} field(s) (the last run's: drift.csv)`]
      : []),
  ];
  lines.push(...lastRunLines(s));
  if (s.lastSummary) {
    const c = s.lastSummary;
    const shown = Object.entries(c).filter(([k, n]) => k !== 'read' && n > 0);
    lines.push(`  last run's records: read ${c.read}${shown.map(([k, n]) => `, ${k} ${n}`).join('')}`);
  }
  if (s.failuresReport) {
    const f = s.failuresReport;
    lines.push(
      `  failures.csv: ${f.rows} row(s): ${f.invalid} failing validation (fix the row), ${f.duplicate} duplicate, ${f.refusedByApi} refused by the API${f.notThrough > 0 ? `, ${f.notThrough} that did not get through (no answer, a server error: the next run tries again)` : ''}`,
    );
  }
  if (s.left)
    lines.push(
      `  left of the input: ${s.left.about ? 'about ' : ''}${s.left.records} record(s)${s.left.records > 0 ? ' (the same command continues)' : ''}`,
    );
  else if (s.lastRun && s.lastRun.endedAt === undefined)
    lines.push('  left of the input: not known (the last run did not record its end); the same command continues');
  lines.push(lockLine(s.lock));
  return lines.join('\n');
}

/** The last run: when, what it read, how it ended, and why it stopped or aborted. */
function lastRunLines(s: JobStatus): string[] {
  if (!s.lastRun) return [];
  const end = s.lastRun.endedAt
    ? `ended ${s.lastRun.endedAt} with exit ${s.lastRun.exitCode ?? '?'}`
    : 'did not record its end (still running, or killed)';
  return [
    `  last run: started ${s.lastRun.startedAt} (pid ${s.lastRun.pid}), ${end}${s.lastRun.input ? `; input ${s.lastRun.input}` : ''}`,
    ...(s.lastRun.stoppedEarly ? [`  stopped early: ${s.lastRun.stoppedEarly}`] : []),
    ...(s.lastRun.abortedBecause
      ? [
          `  ${s.lastRun.exitCode === ExitCode.usage ? 'REFUSED (nothing was sent)' : 'ABORTED'}: ${s.lastRun.abortedBecause}`,
          ...(s.lastRun.abortHint ? [`  hint: ${s.lastRun.abortHint}`] : []),
        ]
      : []),
  ];
}

/** Whether a run holds the state directory, and whether it is alive. */
function lockLine(lock: JobStatus['lock']): string {
  if (!lock.held) return '  lock: free';
  const who = `pid ${lock.pid} on ${lock.host}, since ${lock.startedAt}`;
  return lock.alive === false
    ? `  lock: left by a run that is gone (${who}); the next run takes it over`
    : `  lock: held by a run (${who})${lock.alive === 'unknown' ? ', on another host: cannot tell if it is alive' : ''}`;
}
