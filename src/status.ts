import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from './errors.js';
import { replayJournal } from './journal/replay.js';
import { statePath } from './report/private-files.js';

export interface JobStatus {
  readonly stateDir: string;
  readonly created: number;
  readonly failedRetryable: number;
  readonly failedPermanent: number;
  readonly inDoubt: number;
  readonly runs: number;
  readonly lastRun?: { readonly startedAt: string; readonly endedAt?: string; readonly exitCode?: number; readonly input?: string; readonly pid: number };
  readonly lock: { readonly held: false } | { readonly held: true; readonly pid: number; readonly host: string; readonly startedAt: string; readonly alive: boolean | 'unknown' };
  /** The last run's summary.json counts, which the journal does not hold (invalid and duplicate records). */
  readonly lastSummary?: Record<string, number>;
}

/** What a job has done, from its state directory alone, without writing anything. */
export async function jobStatus(stateDir: string): Promise<JobStatus> {
  const journalPath = statePath(stateDir, 'journal');
  if (!existsSync(journalPath)) {
    throw new UsageError('NO_JOB', `${stateDir} holds no job (no journal.jsonl): expected the --state-dir of an import (default: <input>.openphone-import beside the input)`);
  }
  const state = await replayJournal(journalPath, { repair: false });
  let failedRetryable = 0;
  for (const f of state.failed.values()) if (f.retryable) failedRetryable++;
  const starts = state.runs.filter((r) => r.event === 'start');
  const lastStart = starts[starts.length - 1];
  const lastEnd = lastStart ? state.runs.find((r) => r.event === 'end' && r.pid === lastStart.pid && r.at >= lastStart.at) : undefined;
  return {
    stateDir,
    created: state.created.size,
    failedRetryable,
    failedPermanent: state.failed.size - failedRetryable,
    inDoubt: state.inDoubt.size,
    runs: starts.length,
    ...(lastStart && {
      lastRun: {
        startedAt: lastStart.at,
        pid: lastStart.pid,
        ...(lastStart.input !== undefined && { input: lastStart.input }),
        ...(lastEnd && { endedAt: lastEnd.at, ...(lastEnd.exitCode !== undefined && { exitCode: lastEnd.exitCode }) }),
      },
    }),
    lock: readLock(statePath(stateDir, 'lock')),
    ...readSummaryCounts(statePath(stateDir, 'summary')),
  };
}

function readLock(path: string): JobStatus['lock'] {
  if (!existsSync(path)) return { held: false };
  try {
    const l = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string; startedAt: string };
    let alive: boolean | 'unknown' = 'unknown';
    if (l.host === hostname()) {
      try {
        process.kill(l.pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    return { held: true, pid: l.pid, host: l.host, startedAt: l.startedAt, alive };
  } catch {
    return { held: true, pid: 0, host: '?', startedAt: '?', alive: 'unknown' };
  }
}

function readSummaryCounts(path: string): { lastSummary?: Record<string, number> } {
  try {
    return { lastSummary: (JSON.parse(readFileSync(path, 'utf8')) as { counts: Record<string, number> }).counts };
  } catch {
    return {};
  }
}

export function formatStatus(s: JobStatus): string {
  const lines = [
    `job in ${s.stateDir}:`,
    `  created ${s.created} contacts over ${s.runs} run(s)`,
    `  failed: ${s.failedRetryable} retryable (tried again on the next run), ${s.failedPermanent} permanent (sent again only once fixed)`,
    `  in doubt: ${s.inDoubt}${s.inDoubt > 0 ? ' (sent, outcome unknown: the next run looks them up before sending anything)' : ''}`,
  ];
  if (s.lastRun) {
    const end = s.lastRun.endedAt ? `ended ${s.lastRun.endedAt} with exit ${s.lastRun.exitCode ?? '?'}` : 'did not record its end (still running, or killed)';
    lines.push(`  last run: started ${s.lastRun.startedAt} (pid ${s.lastRun.pid}), ${end}${s.lastRun.input ? `; input ${s.lastRun.input}` : ''}`);
  }
  if (s.lastSummary) {
    const c = s.lastSummary;
    lines.push(`  last run's records: read ${c.read}, created ${c.created}, already done ${c.alreadyDone}, duplicate ${c.duplicate}, failed ${c.failed}${c.notSent ? `, not sent ${c.notSent}` : ''}`);
  }
  if (s.lock.held) {
    const who = `pid ${s.lock.pid} on ${s.lock.host}, since ${s.lock.startedAt}`;
    lines.push(s.lock.alive === false ? `  lock: left by a run that is gone (${who}); the next run takes it over` : `  lock: held by a run (${who})${s.lock.alive === 'unknown' ? ', on another host: cannot tell if it is alive' : ''}`);
  } else {
    lines.push('  lock: free');
  }
  return lines.join('\n');
}
