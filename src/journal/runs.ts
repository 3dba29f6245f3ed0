import { ExitCode } from '../errors.js';
import type { RunEvent } from './events.js';

/** A run of the job, from the journal. */
export interface RunRow {
  readonly pid: number;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly exitCode?: number;
  readonly input?: string;
  /** Its input was one of the tool's own reports (journal/events.ts RunEvent.report). */
  readonly report?: true;
  readonly counts?: Readonly<Record<string, number>>;
  /** Why it stopped before the end of its input, or aborted, and what to do; its failures by first code. */
  readonly stopped?: string;
  readonly aborted?: string;
  readonly hint?: string;
  readonly failedBy?: Readonly<Record<string, number>>;
  /** --delete-missing: contacts deleted and released by the run. */
  readonly deleted?: number;
  readonly released?: number;
  /** The files the run kept in runs/<start>/ (report.html links them). */
  readonly files?: readonly string[];
}

/**
 * A run refused before it read a record (job/refused-run.ts: a header that no
 * longer fits, no key in cron's environment): exit 2 and no counts. It sent
 * nothing, and its input is no read of the export.
 */
export const refusedBeforeReading = (run: Pick<RunRow, 'exitCode' | 'counts'>): boolean =>
  run.exitCode === ExitCode.usage && run.counts === undefined;

/** The runs a journal records: each start with the end of the same process after it, if any (a killed run has none). */
export function runsFromJournal(events: readonly RunEvent[]): RunRow[] {
  const rows: RunRow[] = [];
  events.forEach((e, i) => {
    if (e.event !== 'start') return;
    const end = events.slice(i + 1).find((x) => x.event === 'end' && x.pid === e.pid);
    const next = events.slice(i + 1).find((x) => x.event === 'start');
    const ended = end !== undefined && (next === undefined || end.at <= next.at) ? end : undefined;
    rows.push({
      pid: e.pid,
      startedAt: e.at,
      ...(e.input !== undefined && { input: e.input }),
      ...(e.report === true && { report: true as const }),
      ...(ended && {
        endedAt: ended.at,
        ...(ended.exitCode !== undefined && { exitCode: ended.exitCode }),
        ...(ended.counts && { counts: ended.counts }),
        ...(ended.deleted !== undefined && { deleted: ended.deleted }),
        ...(ended.released !== undefined && { released: ended.released }),
        ...(ended.stopped !== undefined && { stopped: ended.stopped }),
        ...(ended.aborted !== undefined && { aborted: ended.aborted }),
        ...(ended.hint !== undefined && { hint: ended.hint }),
        ...(ended.failedBy !== undefined && { failedBy: ended.failedBy }),
      }),
    });
  });
  return rows;
}
