import { closeSync, fsync, fsyncSync, writeSync } from 'node:fs';
import { JobAbortedError } from '../errors.js';
import { openPrivateFile, writeFailure } from '../state/private-files.js';
import { encodeEvent } from './codec.js';
import type { JournalEvent, JournalHeader } from './events.js';

/**
 * Append-only, group-committed journal. Lines are buffered; a flush writes the
 * whole buffer and fsyncs once. A caller that needs its line on disk before it
 * acts (an attempt, before its request goes out) waits for `durable`; lines
 * appended while a flush is on its way ride in the next one, so one fsync
 * covers every sender that queued meanwhile. Other lines are flushed within
 * `lazyFlushMs`.
 */
export class JournalWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private waiters: Waiter[] = [];
  /** Written, waiting for the fsync on its way (or the next one). */
  private unsynced: Waiter[] = [];
  private syncing = false;
  private dirty = false;
  private error: JobAbortedError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  fsyncs = 0;

  constructor(
    readonly path: string,
    header: JournalHeader | undefined,
    private readonly eagerFlushMs = 5,
    private readonly lazyFlushMs = 250,
  ) {
    this.fd = openPrivateFile(path, 'a');
    if (header !== undefined) {
      this.buffer.push(encodeEvent(header));
      this.flush();
    }
  }

  /** Buffers the event; it reaches the disk within `lazyFlushMs`. */
  append(event: JournalEvent): void {
    this.push(event);
    this.schedule(this.lazyFlushMs);
  }

  /** Resolves once the event is on disk (fsynced); rejects (JOURNAL_WRITE_FAILED) when it cannot be: then nothing may act on it. */
  durable(event: JournalEvent): Promise<void> {
    this.push(event);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule(this.eagerFlushMs);
    return done;
  }

  private push(event: JournalEvent): void {
    if (this.closed) throw new Error('journal is closed');
    if (this.error) throw this.error;
    this.buffer.push(encodeEvent(event));
    if (this.buffer.length >= 2000) this.flush();
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) {
      if (ms >= this.lazyFlushMs) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => this.flush(), ms);
  }

  /**
   * Writes everything buffered and fsyncs it. The write is synchronous (it only
   * reaches the page cache, so it is quick and keeps lines whole and in order);
   * the fsync runs off the event loop, which would otherwise stall every request
   * timing for as long as the disk takes. One fsync is on its way at a time;
   * lines written meanwhile ride in the next.
   */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.error) return;
    if (this.buffer.length > 0) {
      const text = `${this.buffer.join('\n')}\n`;
      this.buffer = [];
      if (!this.writeAll(text)) return;
      this.unsynced.push(...this.waiters);
      this.waiters = [];
      this.dirty = true;
    }
    this.syncSoon();
  }

  /**
   * A write that fails or is cut short (a full disk) stops the journal for
   * good: every waiter is rejected, so no request goes out without its attempt
   * on disk, and the torn line is cut off by the next run.
   */
  private writeAll(text: string): boolean {
    try {
      const bytes = Buffer.from(text);
      const written = writeSync(this.fd, bytes);
      if (written < bytes.length)
        throw Object.assign(new Error(`short write (${written} of ${bytes.length} bytes)`), { code: 'ENOSPC' });
      return true;
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
      return false;
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    const why = writeFailure(err);
    this.error ??= new JobAbortedError(
      'JOURNAL_WRITE_FAILED',
      `cannot write the journal ${this.path}: ${why}. The run stopped without sending anything it could not record`,
      { hint: 'free some space, then run the same command again to continue' },
    );
    for (const w of [...this.unsynced, ...this.waiters]) w.reject(this.error);
    this.unsynced = [];
    this.waiters = [];
    this.buffer = [];
  }

  private syncSoon(): void {
    if (this.syncing || !this.dirty) return;
    this.syncing = true;
    this.dirty = false;
    const waiting = this.unsynced;
    this.unsynced = [];
    fsync(this.fd, (err) => {
      this.syncing = false;
      this.fsyncs++;
      if (err) {
        this.unsynced.unshift(...waiting);
        this.fail(err);
        return;
      }
      for (const w of waiting) w.resolve();
      this.syncSoon();
    });
  }

  /** Flushes and fsyncs synchronously, then closes: for the end of a run. Throws the journal's error, after closing. */
  close(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.buffer.length > 0 && !this.error) {
      this.writeAll(`${this.buffer.join('\n')}\n`);
      this.buffer = [];
    }
    if (!this.error) {
      try {
        fsyncSync(this.fd);
        this.fsyncs++;
      } catch (err) {
        this.fail(err as NodeJS.ErrnoException);
      }
    }
    this.closed = true;
    for (const w of [...this.unsynced, ...this.waiters]) {
      if (this.error) w.reject(this.error);
      else w.resolve();
    }
    this.unsynced = [];
    this.waiters = [];
    // An fsync still on its way reports on a closed descriptor; its waiters are already released.
    closeSync(this.fd);
    if (this.error) throw this.error;
  }

  /** Why the journal stopped, if it did. */
  get failure(): Error | undefined {
    return this.error;
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}
