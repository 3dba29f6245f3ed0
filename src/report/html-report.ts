import type { RunRow } from '../journal/runs.js';
import { BUCKETS } from './counts.js';
import { Html, html } from './html.js';
import type { Summary } from './summary.js';
import type { TimelinePoint } from './timeline.js';

const EXIT_MEANING: Record<number, string> = {
  0: 'every record created, updated or unchanged',
  1: 'some records failed or wait for review: see failures.csv and review.csv',
  2: 'a usage or config error: nothing sent',
  3: 'aborted: needs a person (a key refused, a job-wide refusal, the API down)',
  4: 'stopped early on purpose: the same command continues',
};

const SHOWN: readonly (keyof Summary['counts'])[] = ['read', ...BUCKETS];

/**
 * report.html: one self-contained page (no scripts, nothing fetched) that a
 * person who asked for the migration can open without a terminal: the counts,
 * the problems by code and column with example rows, the send rate over time
 * with 429s and retries marked, and the job's runs. Every number is the
 * summary's; each count carries its bucket as data-bucket, so a test (or a
 * script) reads them back.
 */
export function renderReport(s: Summary, runs: readonly RunRow[]): string {
  const c = s.counts;
  const counts = SHOWN.filter((b) => b === 'read' || (c[b] ?? 0) > 0).map((b) => html`<tr><th>${b}</th><td data-bucket="${b}">${c[b] ?? 0}</td></tr>`);
  const problems = s.problemGroups.map((g) => {
    const examples = g.examples.map((e) => html`<li>line ${e.line}${e.value !== undefined ? html`: found <code>${e.value}</code>` : ''}: ${e.message}</li>`);
    return html`<tr><td><code>${g.code}</code></td><td>${g.column ?? ''}</td><td>${g.kind}</td><td data-problem="${g.code}">${g.count}</td><td><ul>${examples}</ul></td></tr>`;
  });
  const runRows = runs.map((r) => html`<tr><td>${r.startedAt}</td><td>${r.endedAt ?? 'no end recorded (running, or killed)'}</td><td>${r.exitCode ?? ''}</td><td>${r.input ?? ''}</td><td>${r.counts ? bucketList(r.counts) : ''}</td></tr>`);
  const job = jobTotals(runs);
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openphone-import: ${s.mode} of ${s.input}</title>
<style>${STYLE}</style>
</head><body>
<h1>${s.mode === 'dry-run' ? 'Dry run' : 'Import'} of <code>${s.input}</code></h1>
<p>Config <code>${s.config}</code>, state <code>${s.stateDir}</code>. From ${s.startedAt} to ${s.finishedAt} (${(s.durationMs / 1000).toFixed(1)} s).
Exit <strong class="${s.exitCode === 0 ? 'ok' : 'bad'}" data-exit-code="${s.exitCode}">${s.exitCode}</strong>: ${EXIT_MEANING[s.exitCode] ?? ''}.${s.stoppedEarly ? html` Stopped early: ${s.stoppedEarly}.` : ''}${s.abortedBecause ? html` <span class="bad">Aborted: ${s.abortedBecause}</span>` : ''}</p>
<h2>Records${runs.length > 1 ? ' in this run' : ''}</h2>
<table>${counts}</table>
<p>Every record read is in exactly one bucket: ${s.invariant.holds ? html`<span class="ok">holds</span>` : html`<span class="bad">does not hold (a bug)</span>`} (${s.invariant.formula}).</p>
${job && runs.length > 1 ? html`<p>This run read the whole input; records an earlier run of the job sent count here as unchanged or existing. Over its ${runs.length} runs the job <span data-job="created">created ${job.created}</span>, <span data-job="updated">updated ${job.updated}</span> and <span data-job="adopted">adopted ${job.adopted}</span> contacts; the last run that ended left <span data-job="failed">${job.failed} failed</span>. Each run is listed under <a href="#runs">The job's runs</a>.</p>` : ''}
${s.problemGroups.length > 0 ? html`<h2>Problems by code and column</h2><table><tr><th>code</th><th>column</th><th></th><th>count</th><th>first examples, with the fix</th></tr>${problems}</table><p>Every failed row is in <code>failures.csv</code>; every value left out in <code>dropped-values.csv</code>.</p>` : html`<h2>Problems</h2><p class="ok">None.</p>`}
${s.requests ? html`<h2>Requests</h2><p>${s.requests.requests ?? 0} requests (${(s.achievedRate ?? 0).toFixed(1)}/s): creates ${s.requests.creates ?? 0}, lookups ${s.requests.lookups ?? 0}, retries <span data-requests="retries">${s.requests.retries ?? 0}</span>, 429s <span data-requests="rateLimited">${s.requests.rateLimited ?? 0}</span>.</p>` : ''}
${s.timeline && s.timeline.length > 1 ? html`<h2>Send rate over time</h2>${rateChart(s.timeline)}` : ''}
${(s.ignoredLines?.length ?? 0) > 0 ? html`<h2>Lines that are not records</h2><ul>${s.ignoredLines!.map((l) => html`<li>line ${l.line}: ${l.why}: <code>${l.text}</code></li>`)}</ul>` : ''}
${runs.length > 0 ? html`<h2 id="runs">The job's runs</h2><table><tr><th>started</th><th>ended</th><th>exit</th><th>input</th><th>records</th></tr>${runRows}</table>` : ''}
</body></html>
`;
  return page.text;
}

const STYLE = new Html('body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .2em}ul{margin:0;padding-left:1.2em}.ok{color:#17692e}.bad{color:#a61b1b}');

/** A run's buckets that are not zero, in the order of the summary's. */
const bucketList = (counts: Readonly<Record<string, number>>): string =>
  BUCKETS.filter((b) => (counts[b] ?? 0) > 0)
    .map((b) => `${b} ${counts[b]}`)
    .join(', ') || 'nothing';

/**
 * The whole job across the runs that recorded their end: what it made, updated and adopted (each run's
 * own work adds up), and what the last of them left failed (a failure is tried again, so it does not add up).
 */
function jobTotals(runs: readonly RunRow[]): { created: number; updated: number; adopted: number; failed: number } | undefined {
  const ended = runs.filter((r) => r.counts !== undefined);
  if (ended.length === 0) return undefined;
  const sum = (b: string) => ended.reduce((n, r) => n + (r.counts![b] ?? 0), 0);
  return { created: sum('created'), updated: sum('updated'), adopted: sum('adopted'), failed: ended[ended.length - 1]!.counts!.failed ?? 0 };
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
    .map((p, i) => (p.rateLimited > 0 ? `<circle cx="${x(p.t).toFixed(1)}" cy="${y(rates[i]!).toFixed(1)}" r="4" fill="#c62828"><title>${p.rateLimited} × 429</title></circle>` : p.retries > 0 ? `<circle cx="${x(p.t).toFixed(1)}" cy="${y(rates[i]!).toFixed(1)}" r="3" fill="#ef8f00"><title>${p.retries} retries</title></circle>` : ''))
    .join('');
  // Numbers only (coordinates, counts): nothing of the input reaches the chart.
  return new Html(`<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="requests per second over time">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>
<text x="${pad}" y="${pad - 8}" font-size="11">${maxRate.toFixed(1)}/s</text><text x="${W - pad}" y="${H - 8}" font-size="11" text-anchor="end">${maxT.toFixed(0)} s</text>
<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${line}"/>${marks}</svg>
<p>Requests per second; <span style="color:#c62828">●</span> the API answered 429, <span style="color:#ef8f00">●</span> requests retried.</p>`);
}
