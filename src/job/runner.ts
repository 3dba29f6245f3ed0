import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { JobAbortedError } from '../errors.js';

export interface RunnerOptions {
  /** Requests on their way at once. */
  readonly concurrency: number;
  /** How long requests on their way may take to finish once the job stops (default 5 s); then they are cut. */
  readonly graceMs?: number | undefined;
  /** --max-duration: a stop after this long. */
  readonly maxDurationMs?: number | undefined;
  /** The CLI's stop (SIGINT/SIGTERM); one that came before the runner is honoured at once. */
  readonly signal?: AbortSignal | undefined;
}

export interface RunEnd {
  /** Why the run stopped before the end of the input (a signal, --max-rows, --max-duration). */
  readonly stoppedEarly?: string;
  /** Why the job aborted (a 401, a job-wide refusal, the API down): exit 3. */
  readonly aborted?: string;
  /** What to do about it: the abort's hint. */
  readonly abortHint?: string;
}

/** How a run that a JobAbortedError stopped ends: what is wrong, and what to do. */
export function abortedBy(err: JobAbortedError): Pick<RunEnd, 'aborted' | 'abortHint'> {
  return { aborted: err.message, ...(err.hint !== undefined && { abortHint: err.hint }) };
}

/**
 * Owns the sending's concurrency, the deadline and stopping. Reading runs a
 * little ahead of sending (twice the concurrency), no further, so memory stays
 * flat. Two signals go to the API client: `stopping` (start no new request)
 * and `cutInFlight` (abandon the ones on their way; their records stay in doubt).
 */
export class Runner {
  readonly stopping = new AbortController();
  readonly cutInFlight = new AbortController();
  private readonly limit;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deadline: NodeJS.Timeout | undefined;
  private readonly onSignal = () => this.stop('stopped by a signal');
  private stoppedEarly: string | undefined;
  private aborted: JobAbortedError | undefined;
  private reading = true;
  /** The first unexpected error of a task: nothing more starts, and it is thrown to the reader. */
  private failure: { error: unknown } | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.limit = pLimit(options.concurrency);
    // Every request on its way listens to this signal, and every wait for the server to settle to
    // the other: there may be hundreds.
    setMaxListeners(0, this.cutInFlight.signal, this.stopping.signal);
    options.signal?.addEventListener('abort', this.onSignal);
    if (options.signal?.aborted) this.onSignal();
    if (options.maxDurationMs !== undefined) {
      this.deadline = setTimeout(() => this.stop('--max-duration reached'), options.maxDurationMs);
      this.deadline.unref();
    }
  }

  /** Whether to read another record. */
  get keepReading(): boolean {
    return this.reading && !this.stopping.signal.aborted;
  }

  /**
   * Stops reading; unless `drain`, starts no new request either, and cuts the
   * ones on their way after the grace period. `drain`: what was read is still
   * sent (--max-rows).
   */
  stop(why: string, drain = false): void {
    this.stoppedEarly ??= why;
    this.reading = false;
    if (drain || this.stopping.signal.aborted) return;
    this.stopping.abort();
    setTimeout(() => this.cutInFlight.abort(), this.options.graceMs ?? 5000).unref();
  }

  /** A JobAbortedError (a 401, a job-wide refusal): nothing more is sent, requests on their way are cut. Anything else is rethrown. */
  abort(err: unknown): void {
    if (!(err instanceof JobAbortedError)) throw err;
    this.aborted ??= err;
    this.reading = false;
    this.stopping.abort();
    this.cutInFlight.abort();
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    this.reading = false;
    this.stopping.abort();
    this.cutInFlight.abort();
  }

  /**
   * A read before anything is sent (the start-up checks, the users, the
   * workspace's index): skipped once the run stops, and given the signal that
   * ends its requests with the run. A JobAbortedError it throws aborts the run
   * as a send's does, unless the run was stopping (anything else is thrown
   * on). Whether the run goes on.
   */
  async startup(step: (stop: AbortSignal) => Promise<void>): Promise<boolean> {
    if (!this.keepReading) return false;
    try {
      await step(this.stopping.signal);
    } catch (err) {
      // A read the stop cut short fails for that reason: the run stopped, it did not abort.
      if (!(this.stoppedEarly !== undefined && err instanceof JobAbortedError)) this.abort(err);
      return false;
    }
    return this.keepReading;
  }

  /** Runs `task` within the concurrency; resolves when there is room to read the next record. */
  async submit(task: () => Promise<void>): Promise<void> {
    const tracked: Promise<void> = this.limit(task)
      .catch((err: unknown) => this.fail(err))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    while (this.inFlight.size >= this.options.concurrency * 2) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for the tasks on their way, and throws a task's unexpected error; the run goes on (a next phase may submit more). */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for every task, then says how the run ended. A task's unexpected error (a bug, a full disk) is thrown. */
  async finish(): Promise<RunEnd> {
    try {
      await Promise.all(this.inFlight);
    } finally {
      clearTimeout(this.deadline);
      this.options.signal?.removeEventListener('abort', this.onSignal);
    }
    if (this.failure !== undefined) throw this.failure.error;
    if (this.aborted !== undefined) return abortedBy(this.aborted);
    return this.stoppedEarly !== undefined ? { stoppedEarly: this.stoppedEarly } : {};
  }
}
