import { jsonLogLine } from '../log.js';

export interface ProgressSnapshot {
  /** Records with a final outcome so far. */
  readonly done: number;
  /** Of those, the ones sent in this run (not skipped as done, not rejected before sending): the rate and ETA count these. */
  readonly sent?: number;
  /** Records in the input, estimated from its lines (a multi-line cell counts more than once). */
  readonly total?: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly duplicate: number;
  readonly retries: number;
  readonly rateLimited: number;
  readonly requests: number;
  readonly elapsedMs: number;
}

export type ProgressSink = (snapshot: ProgressSnapshot, final: boolean) => void;

const duration = (ms: number) => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

/**
 * The progress line. The rate and the ETA count the records sent in this run:
 * after a resume, the thousands skipped as done in the first seconds would
 * make both lie. `width`: the line is cut to fit (a terminal's columns), so
 * it never wraps and scrolls.
 */
export function describeProgress(snapshot: ProgressSnapshot, width = Infinity): string {
  const moving = snapshot.sent ?? snapshot.done;
  const rate = snapshot.elapsedMs > 0 ? moving / (snapshot.elapsedMs / 1000) : 0;
  const of =
    snapshot.total !== undefined
      ? `/${snapshot.total} (${Math.min(100, Math.floor((snapshot.done / Math.max(1, snapshot.total)) * 100))}%)`
      : '';
  const eta =
    snapshot.total !== undefined && rate > 0 && snapshot.done < snapshot.total
      ? `, ETA ${duration(((snapshot.total - snapshot.done) / rate) * 1000)}`
      : '';
  const line = `${snapshot.done}${of} records, ${rate.toFixed(1)}/s${eta} · created ${snapshot.created}, updated ${snapshot.updated}, unchanged ${snapshot.unchanged}, failed ${snapshot.failed}, duplicate ${snapshot.duplicate}, retries ${snapshot.retries}, 429s ${snapshot.rateLimited}`;
  return line.length < width ? line : `${line.slice(0, Math.max(0, width - 2))}…`;
}

/**
 * Where progress goes: on a terminal, one live line rewritten in place; off a
 * terminal (cron), a plain line every `intervalMs`; as JSON lines for log
 * collectors; or nowhere (--quiet).
 */
export function progressPrinter(
  mode: 'tty' | 'lines' | 'json' | 'quiet',
  intervalMs: number,
  write: (text: string) => void,
  now = () => Date.now(),
  width = () => 80,
): ProgressSink {
  let lastPrint = now();
  return (p, final) => {
    if (mode === 'quiet') return;
    if (mode === 'tty') {
      // The live line is cleared at the end: the summary follows.
      write(final ? '\r\x1b[K' : `\r\x1b[K${describeProgress(p, width())}`);
      return;
    }
    // Off a terminal the final summary is the last word; JSON logs get a final event too.
    if (final ? mode === 'lines' : now() - lastPrint < intervalMs) return;
    lastPrint = now();
    write(mode === 'json' ? jsonLogLine('info', { event: 'progress', ...p }) : `progress: ${describeProgress(p)}\n`);
  };
}
