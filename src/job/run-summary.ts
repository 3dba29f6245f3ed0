import { ExitCode } from '../errors.js';
import { toleratedFailures, SUMMARY_VERSION, type FailedTolerance, type Summary } from '../report/summary.js';
import type { Counts } from './counts.js';

// A run's tally (job/counts.ts) turned into what it ends with: its exit code and summary.json.

/**
 * Exit 1 when any record failed, was a duplicate or waits for review, else 0
 * (a run that ended on its own). With a tolerance, failed and duplicate
 * records within it exit 0 (they are still in failures.csv); review always
 * needs a person.
 */
export function completedExitCode(counts: Counts, tolerance?: FailedTolerance): ExitCode {
  const failed = counts.buckets.failed + counts.buckets.duplicate;
  if (counts.buckets.review > 0) return ExitCode.someFailed;
  if (failed === 0) return ExitCode.ok;
  return tolerance !== undefined && failed <= toleratedFailures(tolerance, counts.read - counts.buckets.ignored)
    ? ExitCode.ok
    : ExitCode.someFailed;
}

export function buildSummary(
  base: Omit<
    Summary,
    | 'version'
    | 'counts'
    | 'problems'
    | 'droppedValues'
    | 'problemGroups'
    | 'ignoredLines'
    | 'invariant'
    | 'withoutPhone'
    | 'phonesLeftOut'
    | 'conflicts'
    | 'drift'
    | 'ownersUnmatched'
    | 'ofAnotherJob'
  >,
  counts: Counts,
): Summary {
  return {
    version: SUMMARY_VERSION,
    ...base,
    counts: { read: counts.read, ...counts.buckets },
    problems: { ...counts.byCode },
    droppedValues: { ...counts.dropped },
    ...(counts.withoutPhone > 0 && { withoutPhone: counts.withoutPhone }),
    ...(counts.ownersUnmatched.size > 0 && {
      ownersUnmatched: [...counts.ownersUnmatched]
        .sort((a, b) => b[1] - a[1])
        .map(([owner, records]) => ({ owner, records })),
    }),
    ...(counts.conflicts > 0 && { conflicts: counts.conflicts }),
    ...(counts.drift > 0 && { drift: counts.drift }),
    ...(counts.ofAnotherJob > 0 && { ofAnotherJob: counts.ofAnotherJob }),
    ...(counts.phonesLeftOut.total > 0 && {
      phonesLeftOut: { total: counts.phonesLeftOut.total, byFormat: { ...counts.phonesLeftOut.byFormat } },
    }),
    problemGroups: counts.digest.toJSON(),
    ...(counts.ignoredLines.length > 0 && { ignoredLines: [...counts.ignoredLines] }),
    invariant: {
      holds: counts.invariantHolds,
      formula: counts.formula,
    },
  };
}
