import type { RunRow } from '../journal/runs.js';
import { BUCKETS } from './counts.js';
import type { Summary } from './summary.js';
import type { TimelinePoint } from './timeline.js';

const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
  const counts = SHOWN.filter((b) => b === 'read' || (c[b] ?? 0) > 0)
    .map((b) => `<tr><th>${esc(b)}</th><td data-bucket="${esc(b)}">${esc(c[b] ?? 0)}</td></tr>`)
    .join('');
  const problems = s.problemGroups
    .map((g) => {
      const examples = g.examples.map((e) => `<li>line ${esc(e.line)}${e.value !== undefined ? `: found <code>${esc(e.value)}</code>` : ''}: ${esc(e.message)}</li>`).join('');
      return `<tr><td><code>${esc(g.code)}</code></td><td>${esc(g.column ?? '')}</td><td>${esc(g.kind)}</td><td data-problem="${esc(g.code)}">${esc(g.count)}</td><td><ul>${examples}</ul></td></tr>`;
    })
    .join('');
  const runRows = runs
    .map((r) => `<tr><td>${esc(r.startedAt)}</td><td>${esc(r.endedAt ?? 'no end recorded (running, or killed)')}</td><td>${esc(r.exitCode ?? '')}</td><td>${esc(r.input ?? '')}</td><td>${esc(r.counts ? `created ${r.counts.created ?? 0}, failed ${r.counts.failed ?? 0}` : '')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openphone-import: ${esc(s.mode)} of ${esc(s.input)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .2em}ul{margin:0;padding-left:1.2em}.ok{color:#17692e}.bad{color:#a61b1b}</style>
</head><body>
<h1>${s.mode === 'dry-run' ? 'Dry run' : 'Import'} of <code>${esc(s.input)}</code></h1>
<p>Config <code>${esc(s.config)}</code>, state <code>${esc(s.stateDir)}</code>. From ${esc(s.startedAt)} to ${esc(s.finishedAt)} (${esc((s.durationMs / 1000).toFixed(1))} s).
Exit <strong class="${s.exitCode === 0 ? 'ok' : 'bad'}" data-exit-code="${esc(s.exitCode)}">${esc(s.exitCode)}</strong>: ${esc(EXIT_MEANING[s.exitCode] ?? '')}.${s.stoppedEarly ? ` Stopped early: ${esc(s.stoppedEarly)}.` : ''}${s.abortedBecause ? ` <span class="bad">Aborted: ${esc(s.abortedBecause)}</span>` : ''}</p>
<h2>Records</h2>
<table>${counts}</table>
<p>Every record read is in exactly one bucket: ${s.invariant.holds ? '<span class="ok">holds</span>' : '<span class="bad">does not hold (a bug)</span>'} (${esc(s.invariant.formula)}).</p>
${s.problemGroups.length > 0 ? `<h2>Problems by code and column</h2><table><tr><th>code</th><th>column</th><th></th><th>count</th><th>first examples, with the fix</th></tr>${problems}</table><p>Every failed row is in <code>failures.csv</code>; every value left out in <code>dropped-values.csv</code>.</p>` : '<h2>Problems</h2><p class="ok">None.</p>'}
${s.requests ? `<h2>Requests</h2><p>${esc(s.requests.requests ?? 0)} requests (${esc((s.achievedRate ?? 0).toFixed(1))}/s): creates ${esc(s.requests.creates ?? 0)}, lookups ${esc(s.requests.lookups ?? 0)}, retries <span data-requests="retries">${esc(s.requests.retries ?? 0)}</span>, 429s <span data-requests="rateLimited">${esc(s.requests.rateLimited ?? 0)}</span>.</p>` : ''}
${s.timeline && s.timeline.length > 1 ? `<h2>Send rate over time</h2>${rateChart(s.timeline)}` : ''}
${(s.ignoredLines?.length ?? 0) > 0 ? `<h2>Lines that are not records</h2><ul>${s.ignoredLines!.map((l) => `<li>line ${esc(l.line)}: ${esc(l.why)}: <code>${esc(l.text)}</code></li>`).join('')}</ul>` : ''}
${runs.length > 0 ? `<h2>The job's runs</h2><table><tr><th>started</th><th>ended</th><th>exit</th><th>input</th><th>records</th></tr>${runRows}</table>` : ''}
</body></html>
`;
}

/** Requests per second over the run as an inline SVG line; red marks where the API answered 429, orange where requests were retried. */
function rateChart(points: readonly TimelinePoint[]): string {
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
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="requests per second over time">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>
<text x="${pad}" y="${pad - 8}" font-size="11">${maxRate.toFixed(1)}/s</text><text x="${W - pad}" y="${H - 8}" font-size="11" text-anchor="end">${maxT.toFixed(0)} s</text>
<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${line}"/>${marks}</svg>
<p>Requests per second; <span style="color:#c62828">●</span> the API answered 429, <span style="color:#ef8f00">●</span> requests retried.</p>`;
}
