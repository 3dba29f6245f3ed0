import { EXIT_MEANINGS, type ExitCode } from '../errors.js';
import { DateTime } from 'luxon';
import { refusedBeforeReading, type RunRow } from '../journal/runs.js';
import { runFolderOf } from '../state/run-folders.js';
import { BUCKETS } from './buckets.js';
import { Html, html } from './html.js';
import { phoneCountryHint, RATE_SPAN_MS, type Summary } from './summary.js';
import type { TimelinePoint } from './timeline.js';

const SHOWN: readonly (keyof Summary['counts'])[] = ['read', ...BUCKETS];

/** What each bucket means, for the person who asked for the migration; the code stays in data-bucket for scripts. */
const LABELS: Record<(typeof SHOWN)[number], string> = {
  read: 'records read from the file',
  valid: 'would be created (dry run)',
  created: 'created in OpenPhone',
  restored: 'deleted in OpenPhone since, made again (--verify)',
  updated: 'updated: changed in the source since the last run',
  adopted: 'already in OpenPhone, now linked to the source',
  unchanged: 'already in OpenPhone, nothing changed',
  existing: 'already in OpenPhone, left as it was',
  changed: 'changed in the source, not sent (by choice)',
  review: 'waiting for a person: several possible matches (review.csv)',
  skipped: 'not imported: a person decided so in review.csv',
  duplicate: 'a second row with the same id (failures.csv)',
  failed: 'failed: the row needs a fix (failures.csv)',
  tripped: 'refused for the whole job: the key or workspace, not the row',
  notSent: 'not sent yet: the run stopped early',
  inDoubt: 'sent, answer lost: checked on the next run',
  ignored: "lines that are not contacts (blank rows, a report's footer)",
};

/** One thing to do next: in words, and the command that does it. */
export interface NextStep {
  readonly what: string;
  readonly command: string;
}

/**
 * report.html: one self-contained page (no scripts, nothing fetched) that a
 * person who asked for the migration can open without a terminal: the counts,
 * the problems by code and column with example rows, the send rate over time
 * with 429s and retries marked, and the job's runs. Every number is the
 * summary's; each count carries its bucket as data-bucket, so a test (or a
 * script) reads them back.
 */
export function renderReport(s: Summary, runs: readonly RunRow[], next: readonly NextStep[] = []): string {
  const c = s.counts;
  const counts = SHOWN.filter((b) => b === 'read' || (c[b] ?? 0) > 0).map(
    (b) => html`<tr><th>${LABELS[b]}</th><td data-bucket="${b}">${c[b] ?? 0}</td></tr>`,
  );
  // Deletions are not records of the input (their records left it): a row of their own beside the buckets.
  const d = s.deleteMissing !== undefined && !('skipped' in s.deleteMissing) ? s.deleteMissing : undefined;
  if (d !== undefined && d.deleted + d.released > 0)
    counts.push(
      html`<tr><th>deleted from OpenPhone (${d.released > 0 ? `${d.released} adopted ones given back, ` : ''}their records left the source: <a href="deleted.csv">deleted.csv</a>)</th><td data-deleted="${d.deleted + d.released}">${d.deleted + d.released}</td></tr>`,
    );
  const advice = adviceFor(s);
  // A rate over a second or two of start-up and end says nothing of the pace (as in the terminal's summary).
  const longEnough = s.durationMs >= RATE_SPAN_MS;
  const steps = next.map((n) => html`<li>${n.what}:<pre>${n.command}</pre></li>`);
  const problems = s.problemGroups.map((g) => {
    const examples = g.examples.map(
      (e) =>
        html`<li>line ${e.line}${e.value !== undefined ? html`: found <code>${e.value}</code>` : ''}: ${e.message}</li>`,
    );
    return html`<tr><td><code>${g.code}</code></td><td>${g.column ?? ''}</td><td>${g.kind}</td><td data-problem="${g.code}">${g.count}</td><td><ul>${examples}</ul></td></tr>`;
  });
  const job = jobTotals(runs);
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openphone-import: ${s.mode} of ${s.input}</title>
<style>${STYLE}</style>
</head><body>
<h1>${s.mode === 'dry-run' ? 'Dry run' : 'Import'} of <code>${s.input}</code></h1>
<p>Config <code>${s.config}</code>, state <code>${s.stateDir}</code>. From ${localTime(s.startedAt)} to ${localTime(s.finishedAt)} (${(s.durationMs / 1000).toFixed(1)} s).
Exit <strong class="${s.exitCode === 0 ? 'ok' : 'bad'}" data-exit-code="${s.exitCode}">${s.exitCode}</strong>: ${EXIT_MEANINGS[s.exitCode as ExitCode] ?? ''}.${s.stoppedEarly ? html` Stopped early: ${s.stoppedEarly}.` : ''}${s.abortedBecause ? html` <span class="bad">Aborted: ${s.abortedBecause}</span>` : ''}</p>
<h2>Records${runs.length > 1 ? ' in this run' : ''}</h2>
<table>${counts}</table>
${s.invariant.holds ? '' : html`<p class="bad" data-invariant="broken">Some records read are in no bucket, or in two: a bug in openphone-import; please report it with summary.json.</p>`}
${job && runs.length > 1 ? html`<p>${s.stoppedEarly || s.abortedBecause ? 'This run stopped before the end of the input' : 'This run read the whole input'}; records an earlier run of the job sent count here as unchanged or existing. Over its ${runs.length} runs the job <span data-job="created">created ${job.created}</span>, <span data-job="updated">updated ${job.updated}</span> and <span data-job="adopted">adopted ${job.adopted}</span> contacts; the last run that ended left <span data-job="failed">${job.failed} failed</span>. Each run is listed under <a href="#runs">The job's runs</a>, with its own files.</p>` : ''}
${s.withoutPhone !== undefined ? html`<p>Contacts without a phone number: <strong data-without-phone="${s.withoutPhone}">${s.withoutPhone}</strong> of those ${s.mode === 'dry-run' ? 'that would be imported' : 'imported or kept in step'}: OpenPhone cannot call or text them.</p>` : ''}
${advice.length > 0 || steps.length > 0 ? html`<h2>What to do next</h2>${advice.length > 0 ? html`<ul>${advice.map((a) => html`<li>${withReportLinks(a)}</li>`)}</ul>` : ''}${steps.length > 0 ? html`<ol class="next">${steps}</ol>` : ''}` : ''}
${s.problemGroups.length > 0 ? html`<h2>Problems by code and column</h2><table><tr><th>code</th><th>column</th><th></th><th>count</th><th>first examples, with the fix</th></tr>${problems}</table><p>${reportLinks(s)}</p>` : html`<h2>Problems</h2><p class="ok">None${runs.length > 1 ? ' in this run' : ''}.</p>`}
${s.requests ? html`<h2>Requests</h2><p>${s.requests.requests ?? 0} requests${longEnough ? ` (${(s.achievedRate ?? 0).toFixed(1)}/s)` : ''}: creates ${s.requests.creates ?? 0}, lookups ${s.requests.lookups ?? 0}, retries <span data-requests="retries">${s.requests.retries ?? 0}</span>, 429s <span data-requests="rateLimited">${s.requests.rateLimited ?? 0}</span>.</p>` : ''}
${s.timeline && s.timeline.length > 1 && longEnough ? html`<h2>Send rate over time</h2>${rateChart(s.timeline)}` : ''}
${(s.ignoredLines?.length ?? 0) > 0 ? html`<h2>Lines that are not records</h2><ul>${s.ignoredLines!.map((l) => html`<li>line ${l.line}: ${l.why}: <code>${l.text}</code></li>`)}</ul>` : ''}
${runs.length > 0 ? runsTable(runs) : ''}
</body></html>
`;
  return page.text;
}

// Printed (to PDF for whoever asked for the migration): full width, no tables or headings cut across pages.
const STYLE = new Html(
  'body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:normal}code{background:#f4f4f4;padding:0 .2em}pre{background:#f4f4f4;padding:.4em .6em;white-space:pre-wrap;word-break:break-all;margin:.2em 0 .6em}ul{margin:0;padding-left:1.2em}.ok{color:#17692e}.bad{color:#a61b1b}@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,pre,svg{break-inside:avoid}svg{max-width:100%;height:auto}a{color:inherit;text-decoration:none}}',
);

/** The next steps in words: what the numbers above ask of a person. */
function adviceFor(s: Summary): string[] {
  const c = s.counts;
  const out: string[] = [];
  if (s.abortedBecause)
    out.push(
      `The run stopped before it finished: ${s.abortedBecause}. ${s.abortHint ? `What to do: ${s.abortHint}. ` : ''}Once that is fixed, the same command carries on where it stopped; nothing is created twice.`,
    );
  else if (s.stoppedEarly)
    out.push(
      `The run stopped early (${s.stoppedEarly}). Run the same command again to continue; nothing is created twice.`,
    );
  if (c.failed + c.duplicate > 0) {
    out.push(
      s.failedCards !== undefined
        ? `${c.failed + c.duplicate} card(s) need a fix: failures.vcf holds each as it was read, with what is wrong (the problems below). Fix them there, in an address book app or an editor, and run the fixed file.`
        : `${c.failed + c.duplicate} row(s) need a fix: failures.csv lists each with what is wrong (the problems below, by column). Fix them there and run the fixed file.`,
    );
  }
  if (c.review > 0)
    out.push(
      `${c.review} row(s) match more than one contact already in OpenPhone, or one the job may not take: review.csv names the candidates. Write a decision in its decision column (adopt one of the candidates, create, or skip) and run the job with that file as its input; or tidy the contacts in OpenPhone and run again.`,
    );
  if (c.inDoubt + c.notSent > 0 && !s.stoppedEarly && !s.abortedBecause)
    out.push('Some rows are not settled yet: run the same command again.');
  out.push(...deletionAdvice(s));
  if (s.conflicts !== undefined)
    out.push(
      `${s.conflicts} field(s) were changed both in the source and by someone in OpenPhone since the job last wrote them: conflicts.csv lists each with the three values and which one the contact keeps.`,
    );
  if (s.ofAnotherJob !== undefined)
    out.push(
      `${s.ofAnotherJob} row(s) have a contact of this config's source that another job made (a run with another state directory, or one whose folder is gone): left alone, so their changes are not synced here. Run the job that made them, with its --state-dir, instead; if its folder is gone, add --on-existing update to take them into this job.`,
    );
  if (s.drift !== undefined)
    out.push(
      `${s.drift} field(s) of the job's contacts were changed in OpenPhone since the job wrote them: drift.csv lists each, and whether it was written back.`,
    );
  const hint = phoneCountryHint(s.phonesLeftOut);
  if (hint !== undefined) out.push(`${hint[0]!.toUpperCase()}${hint.slice(1)}.`);
  if (out.length === 0 && s.exitCode === 0)
    out.push(
      s.mode === 'dry-run'
        ? 'Every row can be imported: run the import below.'
        : 'Nothing is left to do for this file. Running it again on a fresh export brings changes across, and sends nothing for rows that did not change.',
    );
  return out;
}

/** What --delete-missing did or would do, and what --verify would make again: the decisions a person makes about the workspace. */
function deletionAdvice(s: Summary): string[] {
  const out: string[] = [];
  const d = s.deleteMissing;
  if (d !== undefined && !('skipped' in d)) {
    // The one decision a person must make about deletions is said here, not only in that night's terminal output.
    if (d.refused !== undefined)
      out.push(
        `Nothing was deleted: ${d.refused}.${d.refusedHint !== undefined ? ` What to do: ${d.refusedHint}.` : ''}`,
      );
    else if (d.deleted + d.released > 0)
      out.push(
        `${d.deleted} contact(s) the job had created were deleted and ${d.released} it had adopted were given back, because their records left the source: deleted.csv holds each deleted one as it was.${d.changedSince > 0 ? ` ${d.changedSince} were left alone: someone changed them since the job wrote them.` : ''}`,
      );
  }
  const w = s.wouldDelete;
  if (w !== undefined && w.delete + w.release > 0)
    out.push(
      `The import with --delete-missing would ${w.refused !== undefined ? `refuse to delete the ${w.delete + w.release} contact(s) no longer in the input: ${w.refused}.${w.refusedHint !== undefined ? ` What to do: ${w.refusedHint}.` : ''}` : `delete ${w.delete} contact(s) the job created${w.release > 0 ? ` and give back ${w.release} it adopted` : ''}, because their records are no longer in the input.`} would-delete.csv lists each.`,
    );
  const v = s.verifyPreview;
  if (v !== undefined && v.wouldRestore + v.heldElsewhere + v.unread > 0)
    out.push(
      `The import with --verify would make ${v.wouldRestore} contact(s) deleted in OpenPhone again${v.heldElsewhere > 0 ? `, and leave ${v.heldElsewhere} alone whose ids another integration's contact holds` : ''}${v.unread > 0 ? `; ${v.unread} could not be read here (${v.unreadWhy ?? 'no answer'})` : ''}.`,
    );
  return out;
}

/** A time as the person reading the page reads a clock: this machine's zone, named; the ISO instant stays in datetime. */
function localTime(iso: string): Html {
  const t = DateTime.fromISO(iso);
  return t.isValid
    ? html`<time datetime="${iso}">${t.toLocal().toFormat('yyyy-MM-dd HH:mm:ss ZZZZ')}</time>`
    : html`${iso}`;
}

/** The reports a sentence names, as links to them (they sit beside report.html). */
const REPORT_NAME =
  /\b((?:failures|review|conflicts|drift|deleted|dropped-values|would-delete|created)\.(?:csv|vcf))\b/g;

function withReportLinks(text: string): Html {
  const parts = text.split(REPORT_NAME);
  // split with a capture group: the odd parts are the names.
  return html`${parts.map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : html`${part}`))}`;
}

/** Links to the reports a person opens next, those of this run that have rows. */
function reportLinks(s: Summary): Html {
  const c = s.counts;
  const failed = c.failed + c.duplicate > 0;
  const dropped = Object.keys(s.droppedValues).length > 0;
  return html`${failed ? html`Every failed row is in <a href="failures.csv">failures.csv</a>${s.failedCards !== undefined ? html` (the cards as read: <a href="failures.vcf">failures.vcf</a>)` : ''}. ` : ''}${dropped ? html`Every value left out is in <a href="dropped-values.csv">dropped-values.csv</a>.` : ''}`;
}

/** The run columns report.html shows, in this order; "deleted" is --delete-missing's. */
const RUN_COLUMNS = ['created', 'updated', 'adopted', 'unchanged', 'deleted', 'failed'] as const;

const runCount = (r: RunRow, column: (typeof RUN_COLUMNS)[number]): number | undefined => {
  if (column === 'deleted')
    return r.deleted !== undefined ? r.deleted + (r.released ?? 0) : r.counts !== undefined ? 0 : undefined;
  if (column === 'failed')
    return r.counts === undefined ? undefined : (r.counts.failed ?? 0) + (r.counts.duplicate ?? 0);
  return r.counts?.[column];
};

/** Every run of the job, with its counts and links to the files it kept in runs/<start>/, then the job's net totals. */
function runsTable(runs: readonly RunRow[]): Html {
  const rows = runs.map((r) => {
    const folder = runFolderOf(r.startedAt);
    const files = (r.files ?? []).map((f) => html`<a href="${folder}/${f}">${f}</a>`);
    const cells = RUN_COLUMNS.map(
      (col) => html`<td data-run-${col}="${runCount(r, col) ?? ''}">${runCount(r, col) ?? ''}</td>`,
    );
    // A night refused (a renamed column, no key in cron) or aborted says why beside its exit code.
    const refused = refusedBeforeReading(r);
    const why =
      r.aborted === undefined
        ? ''
        : html`<br><small data-run-why="${refused ? 'refused' : 'aborted'}">${refused ? 'refused, nothing sent' : 'aborted'}: ${r.aborted}</small>`;
    return html`<tr><td>${localTime(r.startedAt)}</td><td>${r.endedAt !== undefined ? localTime(r.endedAt) : 'no end recorded (running, or killed)'}</td><td>${r.exitCode ?? ''}${why}</td><td>${r.input ?? ''}</td>${cells}<td>${files.length > 0 ? files.map((f, i) => html`${i > 0 ? ', ' : ''}${f}`) : ''}</td></tr>`;
  });
  const ended = runs.filter((r) => r.counts !== undefined);
  const sum = (col: (typeof RUN_COLUMNS)[number]) => ended.reduce((n, r) => n + (runCount(r, col) ?? 0), 0);
  // A failure is tried again by the next run, so failures do not add up: the net is what the last run that ended left.
  const lastFailed = ended.length > 0 ? (runCount(ended[ended.length - 1]!, 'failed') ?? 0) : 0;
  const net = RUN_COLUMNS.map((col) => (col === 'failed' ? lastFailed : sum(col))).map(
    (n, i) => html`<td data-net-${RUN_COLUMNS[i]!}="${n}">${n}</td>`,
  );
  return html`<h2 id="runs">The job's runs</h2><table><tr><th>started</th><th>ended</th><th>exit</th><th>input</th>${RUN_COLUMNS.map((c) => html`<th>${c}</th>`)}<th>this run's files</th></tr>${rows}${ended.length > 1 ? html`<tr><th colspan="4">the job, all runs (failed: what the last run left)</th>${net}<td></td></tr>` : ''}</table>`;
}

/**
 * The whole job across the runs that recorded their end: what it made, updated and adopted (each run's
 * own work adds up), and what the last of them left failed (a failure is tried again, so it does not add up).
 */
function jobTotals(
  runs: readonly RunRow[],
): { created: number; updated: number; adopted: number; failed: number } | undefined {
  const ended = runs.filter((r) => r.counts !== undefined);
  if (ended.length === 0) return undefined;
  const sum = (b: string) => ended.reduce((n, r) => n + (r.counts![b] ?? 0), 0);
  return {
    created: sum('created'),
    updated: sum('updated'),
    adopted: sum('adopted'),
    failed: ended[ended.length - 1]!.counts!.failed ?? 0,
  };
}

/** Requests per second over the run as an inline SVG line; red marks where the API answered 429, orange where requests were retried. */
function rateChart(points: readonly TimelinePoint[]): Html {
  const W = 760;
  const H = 180;
  const pad = 30;
  const rates = points.map((p, i) => p.requests / Math.max(0.001, p.t - (i > 0 ? points[i - 1]!.t : 0)));
  const maxRate = Math.max(1, ...rates);
  const maxT = Math.max(1, points[points.length - 1]!.t);
  const x = (t: number) => pad + (t / maxT) * (W - 2 * pad);
  const y = (r: number) => H - pad - (r / maxRate) * (H - 2 * pad);
  const line = points.map((p, i) => `${x(p.t).toFixed(1)},${y(rates[i]!).toFixed(1)}`).join(' ');
  const marks = points
    .map((p, i) =>
      p.rateLimited > 0
        ? `<circle cx="${x(p.t).toFixed(1)}" cy="${y(rates[i]!).toFixed(1)}" r="4" fill="#c62828"><title>${p.rateLimited} × 429</title></circle>`
        : p.retries > 0
          ? `<circle cx="${x(p.t).toFixed(1)}" cy="${y(rates[i]!).toFixed(1)}" r="3" fill="#ef8f00"><title>${p.retries} retries</title></circle>`
          : '',
    )
    .join('');
  // Numbers only (coordinates, counts): nothing of the input reaches the chart.
  return new Html(`<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="requests per second over time">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>
<text x="${pad}" y="${pad - 8}" font-size="11">${maxRate.toFixed(1)}/s</text><text x="${W - pad}" y="${H - 8}" font-size="11" text-anchor="end">${maxT.toFixed(0)} s</text>
<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${line}"/>${marks}</svg>
<p>Requests per second; <span style="color:#c62828">●</span> the API answered 429, <span style="color:#ef8f00">●</span> requests retried.</p>`);
}
