import { jsonLogLine } from '../log.js';

export interface ProgressSnapshot {
  /** Records with a final outcome so far. */
  readonly done: number;
  /** Records in the input, estimated from its lines (a multi-line cell counts more than once). */
  readonly total?: number;
  readonly created: number;
  readonly alreadyDone: number;
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
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

export function describeProgress(p: ProgressSnapshot): string {
  const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  const of = p.total !== undefined ? `/${p.total} (${Math.min(100, Math.floor((p.done / Math.max(1, p.total)) * 100))}%)` : '';
  const eta = p.total !== undefined && rate > 0 && p.done < p.total ? `, ETA ${duration(((p.total - p.done) / rate) * 1000)}` : '';
  return `${p.done}${of} records, ${rate.toFixed(1)}/s${eta} · created ${p.created}, already done ${p.alreadyDone}, failed ${p.failed}, duplicate ${p.duplicate}, retries ${p.retries}, 429s ${p.rateLimited}`;
}

/**
 * Where progress goes: on a terminal, one live line rewritten in place; off a
 * terminal (cron), a plain line every `intervalMs`; as JSON lines for log
 * collectors; or nowhere (--quiet).
 */
export function progressPrinter(mode: 'tty' | 'lines' | 'json' | 'quiet', intervalMs: number, write: (text: string) => void, now = () => Date.now()): ProgressSink {
  let lastPrint = now();
  return (p, final) => {
    if (mode === 'quiet') return;
    if (mode === 'tty') {
      // The live line is cleared at the end: the summary follows.
      write(final ? '\r\x1b[K' : `\r\x1b[K${describeProgress(p)}`);
      return;
    }
    // Off a terminal the final summary is the last word; JSON logs get a final event too.
    if (final ? mode === 'lines' : now() - lastPrint < intervalMs) return;
    lastPrint = now();
    write(mode === 'json' ? jsonLogLine('info', { event: 'progress', ...p }) : `progress: ${describeProgress(p)}\n`);
  };
}
