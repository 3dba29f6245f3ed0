import { hostname } from 'node:os';
import { EXIT_MEANINGS, ExitCode } from '../errors.js';
import { formatSummary, type Summary } from '../report/summary.js';

/**
 * How a run ended, for whoever watches it unattended (a chat webhook, a
 * health-check service, a metrics scraper): its summary when it got that far,
 * else the error that ended it (a config error, a refused key).
 */
export interface RunOutcome {
  readonly exitCode: number;
  readonly summary?: Summary;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
  /** The commands to paste next, as the run printed them. */
  readonly next: readonly string[];
  /** The warnings the run logged, in order (the first MAX_WARNINGS_KEPT): something a person should read, even on a run that ended well. */
  readonly warnings: readonly RunWarning[];
}

export interface RunWarning {
  readonly code: string;
  readonly message: string;
}

/** Warnings a notification carries: a run that warns of every record would make a message nobody reads. */
export const MAX_WARNINGS_KEPT = 10;

/** Records this run did something with: what "progress made" means for a run stopped on purpose. */
export function recordsHandled(summary: Summary | undefined): number {
  if (summary === undefined) return 0;
  const c = summary.counts;
  return c.read - c.ignored - c.notSent - c.inDoubt - c.tripped;
}

/**
 * The health-check convention's "ended well": exit 0, or exit 4 (stopped on
 * purpose, more tomorrow) with progress made. A nightly window that ends with
 * 4 every night while it works through a large list is fine; one that moved
 * nothing is not.
 */
export function endedWell(outcome: Pick<RunOutcome, 'exitCode' | 'summary'>): boolean {
  return (
    outcome.exitCode === ExitCode.ok ||
    (outcome.exitCode === ExitCode.stoppedEarly && recordsHandled(outcome.summary) > 0)
  );
}

/** Whether a person should hear about this run: it did not end well, or it warned. */
export const isTrouble = (outcome: RunOutcome): boolean => !endedWell(outcome) || outcome.warnings.length > 0;

const meaningOf = (code: number): string => EXIT_MEANINGS[code as ExitCode] ?? 'unknown exit code';

/** The run in a few lines a person reads in a chat or a mail: where, what, the exit and its meaning, then the summary or the error. */
export function outcomeText(outcome: RunOutcome): string {
  const what =
    outcome.summary !== undefined
      ? `${outcome.summary.mode === 'dry-run' ? 'dry run' : 'import'} of ${outcome.summary.input}`
      : 'run';
  const head = `openphone-import on ${hostname()}: ${what} ended with exit ${outcome.exitCode} (${meaningOf(outcome.exitCode)})`;
  const body =
    outcome.summary !== undefined
      ? formatSummary(outcome.summary)
      : `error: ${outcome.error?.message ?? 'unknown'}${outcome.error?.hint !== undefined ? `\nhint: ${outcome.error.hint}` : ''}`;
  // What made a run that ended well worth a message comes first after the head, as a terminal shows it.
  const warnings = outcome.warnings.map((w) => `warning [${w.code}]: ${w.message}`);
  return [head, ...warnings, body, ...(outcome.next.length > 0 ? ['next:', ...outcome.next] : [])].join('\n');
}

/** The JSON a --notify URL receives: the figures a program reads, and `text` for a chat webhook to show as the message. */
export function outcomePayload(outcome: RunOutcome): Record<string, unknown> {
  const s = outcome.summary;
  return {
    event: 'openphone-import.run',
    text: outcomeText(outcome),
    host: hostname(),
    exitCode: outcome.exitCode,
    exitMeaning: meaningOf(outcome.exitCode),
    endedWell: endedWell(outcome),
    warned: outcome.warnings.length > 0,
    ...(outcome.warnings.length > 0 && { warnings: outcome.warnings }),
    ...(s !== undefined && {
      mode: s.mode,
      input: s.input,
      stateDir: s.stateDir,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      counts: s.counts,
      ...(s.deleteMissing !== undefined && { deletions: s.deleteMissing }),
      ...(s.conflicts !== undefined && { conflicts: s.conflicts }),
      ...(s.drift !== undefined && { drift: s.drift }),
      ...(s.stoppedEarly !== undefined && { stoppedEarly: s.stoppedEarly }),
      ...(s.abortedBecause !== undefined && { abortedBecause: s.abortedBecause }),
      ...(s.abortHint !== undefined && { hint: s.abortHint }),
      report: s.reportHtml ?? s.reportDir ?? s.stateDir,
    }),
    ...(outcome.error !== undefined && {
      error: outcome.error,
      ...(outcome.error.hint !== undefined && { hint: outcome.error.hint }),
    }),
    next: outcome.next,
  };
}
