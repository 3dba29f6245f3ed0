import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { BUCKETS } from '../report/buckets.js';
import { endedWell, type RunOutcome } from './outcome.js';

/**
 * --metrics-file: the run's figures in the Prometheus text format, for
 * node_exporter's textfile collector. One file per job; each run replaces it
 * whole (written beside it, then renamed: the collector never reads half a
 * file). The time of the last run that ended well is carried over from the
 * file a run replaces, so a failing night does not lose it.
 */

const PREFIX = 'openphone_import';
const LAST_SUCCESS = `${PREFIX}_last_success_timestamp_seconds`;

/** A label value as the text format writes it. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The last-success time a metrics file holds, if it holds one. */
export function lastSuccessIn(text: string): number | undefined {
  const m = new RegExp(`^${LAST_SUCCESS}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  const value = m === null ? NaN : Number(m[1]);
  return Number.isFinite(value) ? value : undefined;
}

/** The file's text for this outcome; `previousSuccess` is the last-success time of the file it replaces. */
export function metricsText(outcome: RunOutcome, now: Date, previousSuccess: number | undefined): string {
  const s = outcome.summary;
  const job = `state_dir="${label(s?.stateDir ?? '')}"`;
  const lines: string[] = [];
  const metric = (name: string, help: string, samples: readonly (readonly [labels: string, value: number])[]) => {
    lines.push(`# HELP ${PREFIX}_${name} ${help}`, `# TYPE ${PREFIX}_${name} gauge`);
    for (const [labels, value] of samples)
      lines.push(`${PREFIX}_${name}{${[job, labels].filter((l) => l !== '').join(',')}} ${value}`);
  };
  const seconds = Math.floor(now.getTime() / 1000);
  const success = endedWell(outcome) ? seconds : previousSuccess;
  if (s !== undefined) {
    metric(
      'records',
      'Records of the last run, by where they ended.',
      BUCKETS.map((b) => [`bucket="${b}"`, s.counts[b]] as const),
    );
    metric('records_read', 'Records read by the last run.', [['', s.counts.read]]);
    const r = s.requests ?? {};
    metric(
      'requests',
      'API requests of the last run, by kind (requests is all of them; rateLimited the 429 answers).',
      Object.entries(r).map(([kind, n]) => [`kind="${label(kind)}"`, n] as const),
    );
    metric('deleted', 'Contacts the last run deleted (--delete-missing).', [
      ['', s.deleteMissing !== undefined && !('skipped' in s.deleteMissing) ? s.deleteMissing.deleted : 0],
    ]);
    metric('conflicts', 'Fields the last run found changed in the source and in the workspace.', [
      ['', s.conflicts ?? 0],
    ]);
    metric('duration_seconds', 'How long the last run took.', [['', s.durationMs / 1000]]);
  }
  metric(
    'exit_code',
    'The exit code of the last run (0 done, 1 some records failed, 2 usage, 3 aborted, 4 stopped early).',
    [['', outcome.exitCode]],
  );
  metric('last_run_timestamp_seconds', 'When the last run ended (Unix time).', [['', seconds]]);
  if (success !== undefined)
    metric(
      'last_success_timestamp_seconds',
      'When the last run that ended well ended: exit 0, or 4 with progress (Unix time).',
      [['', success]],
    );
  return `${lines.join('\n')}\n`;
}

/** Writes the metrics file atomically; returns why it could not, or undefined. */
export function writeMetricsFile(path: string, outcome: RunOutcome, now = new Date()): string | undefined {
  let previous: number | undefined;
  try {
    previous = lastSuccessIn(readFileSync(path, 'utf8'));
  } catch {
    previous = undefined;
  }
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    // 0644: the collector runs as another user; the file holds counts, no personal data.
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, metricsText(outcome, now, previous));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    return undefined;
  } catch (err) {
    rmSync(temp, { force: true });
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}
