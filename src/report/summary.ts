import { NATIONAL_FORMATS } from '../mapping/national-formats.js';
import type { Bucket } from './buckets.js';
import { describeGroups, type ProblemGroup } from './problem-digest.js';
import type { TimelinePoint } from './timeline.js';

export const SUMMARY_VERSION = 1;

export interface Summary {
  readonly version: number;
  readonly mode: 'dry-run' | 'import';
  readonly input: string;
  readonly config: string;
  readonly stateDir: string;
  /** Where this run's reports are, when not the state directory itself (a dry run's `dry-run/`). */
  readonly reportDir?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly exitCode: number;
  readonly stoppedEarly?: string;
  readonly counts: { readonly read: number } & Readonly<Record<Bucket, number>>;
  readonly problems: Readonly<Record<string, number>>;
  /** Values left out of records that were imported (or, in a dry run, would be), by code: see dropped-values.csv. */
  readonly droppedValues: Readonly<Record<string, number>>;
  /** Owner cells that matched no user (owner.unknown "default"), each with the records that got the fallback owner, most first. */
  readonly ownersUnmatched?: readonly { readonly owner: string; readonly records: number }[];
  /** Contacts imported or kept in step (a dry run: valid) without a phone number. */
  readonly withoutPhone?: number;
  /** Fields a sync found changed both in the source and in the workspace since the job last wrote them (conflicts.csv). */
  readonly conflicts?: number;
  /** --tolerate-failed: the failed and duplicate records it let the run exit 0 with. */
  readonly toleratedFailed?: { readonly records: number; readonly tolerance: string };
  /** run --verify: fields of the job's contacts no longer as the job wrote them (drift.csv). */
  readonly drift?: number;
  /** Of the existing records: those whose contact carries the config's source but another job made (CONTACTS_OF_ANOTHER_JOB). */
  readonly ofAnotherJob?: number;
  /** Phone numbers left out, and of them those in one country's national format, by country: the hint for phone.defaultCountry. */
  readonly phonesLeftOut?: { readonly total: number; readonly byFormat: Readonly<Record<string, number>> };
  /** Problems by code and column, largest first, with the first few examples. */
  readonly problemGroups: readonly ProblemGroup[];
  /** Lines that were not records (blank rows, a report's footer): the first 20. */
  readonly ignoredLines?: readonly { readonly line: number; readonly text: string; readonly why: string }[];
  readonly invariant: { readonly holds: boolean; readonly formula: string };
  readonly requests?: Readonly<Record<string, number>>;
  /** Requests per second over the time spent sending. */
  readonly achievedRate?: number;
  readonly abortedBecause?: string;
  /** What to do about the abort. */
  readonly abortHint?: string;
  /** An import: requests, creates, 429s and retries over time (report.html's chart). */
  readonly timeline?: readonly TimelinePoint[];
  /** --delete-missing: what it did, or why it did nothing. */
  readonly deleteMissing?: DeleteMissingResult | { readonly skipped: string };
  /** A dry run with --delete-missing: what the import would delete and release (would-delete.csv), or why its guards would refuse. */
  readonly wouldDelete?: {
    readonly delete: number;
    readonly release: number;
    readonly file?: string;
    readonly refused?: string;
    readonly refusedHint?: string;
  };
  /** A dry run with --verify and a key: what --verify would find among the unchanged records' contacts (job/verify-preview.ts). */
  readonly verifyPreview?: VerifyPreviewFacts;
  /** A vCard input: failures.vcf, the failed cards as read, to fix and rerun (beside failures.csv). */
  readonly failedCards?: string;
  /** report.html, beside summary.json. */
  readonly reportHtml?: string;
  /** A dry run: the first valid records as they will be sent (name, company, phones as written and as sent, emails). */
  readonly preview?: readonly string[];
  /** A dry run of a job with finished records: the first changed ones, each change as old → new. */
  readonly changes?: readonly string[];
}

/** What run --verify would find, as a dry run reports it (job/verify-preview.ts). */
export interface VerifyPreviewFacts {
  /** Unchanged records of the job whose contacts were read. */
  readonly read: number;
  /** Contacts gone from the workspace: --verify would make them again. */
  readonly wouldRestore: number;
  /** Gone, but another integration's contact holds the id: --verify would leave it alone. */
  readonly heldElsewhere: number;
  /** Records whose contact could not be read, and the first why. */
  readonly unread: number;
  readonly unreadWhy?: string;
}

/** What --delete-missing did (job/delete-missing.ts), as the summary reports it. */
export interface DeleteMissingResult {
  /** Contacts the job made or adopted whose externalId this run's input no longer has. */
  readonly missing: number;
  readonly deleted: number;
  /** Contacts the job adopted, given back as they were before the adoption (never deleted). */
  readonly released: number;
  readonly gone: number;
  /** Not the job's any more (its externalId changed): listed, left alone. */
  readonly changedSince: number;
  readonly failed: number;
  readonly notSent: number;
  /** Why nothing was deleted, when the guards refused, and what to do. */
  readonly refused?: string;
  readonly refusedHint?: string;
}

/** The shortest run whose requests per second the summary prints. */
export const RATE_SPAN_MS = 10_000;

/** What every summary says about the run itself: input, config, where, when. */
export function runFacts(
  mode: Summary['mode'],
  input: string,
  configFile: string,
  stateDir: string,
  startedAt: Date,
  finishedAt = new Date(),
) {
  return {
    mode,
    input,
    config: configFile,
    stateDir,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
}

/** --tolerate-failed: how many failed records a run may end with and still exit 0: a count, or a share of the records read. */
export type FailedTolerance = { readonly count: number } | { readonly percent: number };

/** The records a tolerance allows to fail in a run that read `records`. */
export const toleratedFailures = (t: FailedTolerance, records: number): number =>
  'count' in t ? t.count : Math.floor((records * t.percent) / 100);

/** The few lines a person reads at the end of a run. */
export function formatSummary(s: Summary): string {
  const c = s.counts;
  const lines = [
    `${s.mode === 'dry-run' ? 'dry run' : 'import'} of ${s.input}: ${c.read} records read in ${(s.durationMs / 1000).toFixed(1)} s`,
    s.mode === 'dry-run' ? `  ${dryRunLine(c, s.ofAnotherJob)}` : `  ${importLine(c, s.ofAnotherJob)}`,
  ];
  if (s.requests) {
    const r = s.requests;
    // A rate over a few seconds of start-up and end says nothing of the pace (7 requests in 0.11 s is not 63/s against a limit of 10).
    const rate =
      s.achievedRate !== undefined && s.durationMs >= RATE_SPAN_MS ? ` (${s.achievedRate.toFixed(1)}/s)` : '';
    lines.push(`  requests ${r.requests}${rate}, lookups ${r.lookups}, retries ${r.retries}, 429s ${r.rateLimited}`);
  }
  if (c.ignored > 0) {
    const shown = (s.ignoredLines ?? [])
      .slice(0, 3)
      .map((l) => `line ${l.line} (${l.why})`)
      .join(', ');
    lines.push(`  ignored ${c.ignored} line(s) that are not records: ${shown}${c.ignored > 3 ? ', …' : ''}`);
  }
  if (s.abortedBecause)
    lines.push(`  ABORTED: ${s.abortedBecause}`, ...(s.abortHint ? [`  hint: ${s.abortHint}`] : []));
  if (s.deleteMissing !== undefined) lines.push(`  --delete-missing: ${describeDeletion(s.deleteMissing, s.stateDir)}`);
  if (s.wouldDelete !== undefined) lines.push(`  --delete-missing: ${describeWouldDelete(s.wouldDelete)}`);
  if (s.verifyPreview !== undefined) lines.push(`  --verify: ${describeVerifyPreview(s.verifyPreview)}`);
  if (s.toleratedFailed !== undefined)
    lines.push(
      `  ${s.toleratedFailed.records} record(s) failed, within --tolerate-failed ${s.toleratedFailed.tolerance}: exit 0 (they are in failures.csv all the same)`,
    );
  if (s.drift !== undefined)
    lines.push(
      `  drift: ${s.drift} field(s) of the job's contacts were changed in the app since the job wrote them: see ${s.reportDir ?? s.stateDir}/drift.csv ("update": { "conflicts": "source" } writes them back)`,
    );
  if (s.conflicts !== undefined)
    lines.push(
      `  conflicts: ${s.conflicts} field(s) changed both in the source and in the workspace since the job last wrote them: see ${s.reportDir ?? s.stateDir}/conflicts.csv (update.conflicts says which side is kept)`,
    );
  if (s.preview?.length) lines.push('  the first contacts as they will be sent:', ...s.preview.map((l) => `    ${l}`));
  if (s.changes?.length)
    lines.push('  the first changed records, as a sync would update them:', ...s.changes.map((l) => `    ${l}`));
  lines.push(...problemLines(s));
  const hint = phoneCountryHint(s.phonesLeftOut);
  if (hint !== undefined) lines.push(`  ${hint}`);
  if (s.stoppedEarly) lines.push(`  stopped early: ${s.stoppedEarly}; run the same command again to continue`);
  const reports = s.reportDir ?? s.stateDir;
  if (c.failed + c.duplicate > 0)
    lines.push(
      `  failures: ${reports}/failures.csv${s.failedCards ? `, and the failed cards as read: ${s.failedCards}` : ''}`,
    );
  if (c.review > 0)
    lines.push(
      `  ${c.review} record(s) match contacts the job may not adopt on its own: ${reports}/review.csv names the candidates${s.mode === 'dry-run' ? '' : ' and takes your decisions'}`,
    );
  if (s.reportHtml) lines.push(`  report to open in a browser: ${s.reportHtml}`);
  if (!s.invariant.holds)
    lines.push(`  internal error (this is a bug): records unaccounted for: ${s.invariant.formula}`);
  return lines.join('\n');
}

/** The summary's problems: by code, or by column with the first example and its fix; the values left out; owners matched to no user; contacts without a phone. */
function problemLines(s: Summary): string[] {
  const lines: string[] = [];
  const codes = Object.entries(s.problems).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0 && !s.problemGroups?.length)
    lines.push(`  problems: ${codes.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  if (s.problemGroups?.length)
    lines.push('  by column, with the first example and its fix:', ...describeGroups(s.problemGroups));
  const dropped = Object.entries(s.droppedValues ?? {}).sort((a, b) => b[1] - a[1]);
  if (dropped.length > 0) {
    const total = dropped.reduce((n, [, k]) => n + k, 0);
    lines.push(
      `  values left out of ${s.mode === 'dry-run' ? 'valid' : 'imported'} records: ${total} (${dropped.map(([code, n]) => `${code} ${n}`).join(', ')}): see ${s.reportDir ?? s.stateDir}/dropped-values.csv`,
    );
  }
  if (s.ownersUnmatched !== undefined) {
    const shown = s.ownersUnmatched
      .slice(0, 5)
      .map((o) => `${JSON.stringify(o.owner)} ${o.records}`)
      .join(', ');
    lines.push(
      `  owners that match no user of the workspace (those contacts got the fallback owner, owner.unknown "default"): ${shown}${s.ownersUnmatched.length > 5 ? `, and ${s.ownersUnmatched.length - 5} more` : ''}`,
    );
  }
  if (s.withoutPhone !== undefined)
    lines.push(
      `  without a phone number: ${s.withoutPhone} of the contacts ${s.mode === 'dry-run' ? 'that would be imported' : 'imported or kept in step'} (OpenPhone cannot call or text them)`,
    );
  return lines;
}

/**
 * When most phone numbers left out are in one country's national format, the
 * config lacks that country: "9 of the 11 phone numbers left out look North
 * American: set "phone": {"defaultCountry": "US"}".
 */
export function phoneCountryHint(left: Summary['phonesLeftOut']): string | undefined {
  if (left === undefined) return undefined;
  const [top] = Object.entries(left.byFormat).sort((a, b) => b[1] - a[1]);
  if (top === undefined || top[1] * 2 < left.total) return undefined;
  const what = NATIONAL_FORMATS.find((f) => f.country === top[0])?.what ?? top[0];
  return `${top[1]} of the ${left.total} phone numbers left out are in ${what}: set "phone": {"defaultCountry": "${top[0]}"} in the config (or write the numbers with +country code), then run again`;
}

/** The parts of a sum that are not zero, the always-shown ones first. */
const parts = (items: readonly (readonly [label: string, n: number, always?: boolean, note?: string])[]): string =>
  items
    .filter(([, n, always]) => always === true || n > 0)
    .map(([label, n, , note]) => `${label} ${n}${note ?? ''}`)
    .join(', ');

/** What "existing" means in the counts' line: the workspace's, some of them another job's. */
const existingNote = (ofAnotherJob: number | undefined): string =>
  ` (the workspace's, left alone${ofAnotherJob ? `; ${ofAnotherJob} of them made by another job of this config's source: CONTACTS_OF_ANOTHER_JOB` : ''})`;

function importLine(c: Summary['counts'], ofAnotherJob: number | undefined): string {
  return parts([
    ['created', c.created, true],
    ['restored', c.restored, false, ' (deleted in the app, made again by --verify)'],
    ['updated', c.updated],
    ['adopted', c.adopted],
    ['unchanged', c.unchanged],
    ['existing', c.existing, false, existingNote(ofAnotherJob)],
    ['changed', c.changed, false, ' (not sent: --on-changed skip)'],
    ['for review', c.review],
    ['skipped', c.skipped, false, ' (decided in review.csv)'],
    ['duplicate', c.duplicate, true],
    ['failed', c.failed, true],
    [
      'refused job-wide',
      c.tripped,
      false,
      " (the key's or the workspace's, not the records': sent again on the next run)",
    ],
    ['not sent yet', c.notSent],
    ['sent but unanswered', c.inDoubt, false, ' (the next run looks them up)'],
  ]);
}

function dryRunLine(c: Summary['counts'], ofAnotherJob: number | undefined): string {
  return parts([
    ['would create', c.valid, true],
    ['would update', c.changed],
    ['would adopt', c.adopted],
    ['unchanged', c.unchanged],
    ['existing', c.existing, false, existingNote(ofAnotherJob)],
    ['for review', c.review],
    ['skipped', c.skipped, false, ' (decided in review.csv)'],
    ['duplicate', c.duplicate, true],
    ['failed', c.failed, true],
  ]);
}

function describeVerifyPreview(v: VerifyPreviewFacts): string {
  const found = [
    v.wouldRestore > 0 && `${v.wouldRestore} deleted in the app (the import would make them again)`,
    v.heldElsewhere > 0 && `${v.heldElsewhere} gone, their ids held by another integration's contact (left alone)`,
    v.unread > 0 && `${v.unread} could not be read: ${v.unreadWhy ?? 'no answer'}`,
  ].filter((f): f is string => f !== false);
  return `read the contacts of ${v.read} unchanged record(s)${found.length > 0 ? `: ${found.join('; ')}` : ': none deleted in the app'}`;
}

function describeWouldDelete(w: NonNullable<Summary['wouldDelete']>): string {
  if (w.delete + w.release === 0) return 'every contact of the job is in the input: the import would delete nothing';
  const what = `${w.delete} contact(s) the job created are no longer in the input${w.release > 0 ? `, and ${w.release} it adopted` : ''}: listed in ${w.file}`;
  if (w.refused !== undefined)
    return `${what}; the import would refuse to delete them: ${w.refused}\n  hint: ${w.refusedHint}`;
  return `${what}; the import would delete them${w.release > 0 ? ' and release the adopted ones (given back as they were)' : ''}, each unless someone changed it since the job wrote it`;
}

function describeDeletion(d: NonNullable<Summary['deleteMissing']>, stateDir: string): string {
  if ('skipped' in d) return d.skipped;
  if (d.refused !== undefined)
    return `nothing deleted: ${d.refused}${d.refusedHint !== undefined ? `\n  hint: ${d.refusedHint}` : ''}`;
  if (d.missing === 0) return 'every contact of the job is still in the input: nothing to delete';
  return `${d.missing} contact(s) no longer in the input: deleted ${d.deleted}${d.released > 0 ? `, released ${d.released} (adopted: given back as they were)` : ''}${d.gone > 0 ? `, already gone ${d.gone}` : ''}${d.changedSince > 0 ? `, left alone (changed since) ${d.changedSince}` : ''}${d.failed > 0 ? `, failed ${d.failed}` : ''}${d.notSent > 0 ? `, not sent yet ${d.notSent}` : ''}; as they were: ${stateDir}/deleted.csv`;
}
