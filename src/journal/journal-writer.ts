import { closeSync, fsync, fsyncSync, writeSync } from 'node:fs';
import { openPrivateFile } from '../report/private-files.js';
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
  private waiters: (() => void)[] = [];
  /** Written, waiting for the fsync on its way (or the next one). */
  private unsynced: (() => void)[] = [];
  private syncing = false;
  private dirty = false;
  private error: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  fsyncs = 0;
  lines = 0;

  constructor(
    readonly path: string,
    header: JournalHeader | undefined,
    private readonly eagerFlushMs = 5,
    private readonly lazyFlushMs = 250,
  ) {
    this.fd = openPrivateFile(path, 'a');
    if (header !== undefined) {
      this.buffer.push(JSON.stringify(header));
      this.flush();
    }
  }

  /** Buffers the event; it reaches the disk within `lazyFlushMs`. */
  append(event: JournalEvent): void {
    this.push(event);
    this.schedule(this.lazyFlushMs);
  }

  /** Resolves once the event is on disk (fsynced). */
  durable(event: JournalEvent): Promise<void> {
    this.push(event);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.schedule(this.eagerFlushMs);
    return done;
  }

  private push(event: JournalEvent): void {
    if (this.closed) throw new Error('journal is closed');
    if (this.error) throw this.error;
    this.buffer.push(JSON.stringify(event));
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
    if (this.buffer.length > 0) {
      const text = `${this.buffer.join('\n')}\n`;
      this.lines += this.buffer.length;
      this.buffer = [];
      writeSync(this.fd, text);
      this.unsynced.push(...this.waiters);
      this.waiters = [];
      this.dirty = true;
    }
    this.syncSoon();
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
      if (err) this.error = err;
      for (const w of waiting) w();
      this.syncSoon();
    });
  }

  /** Flushes and fsyncs synchronously, then closes: for the end of a run. */
  close(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.buffer.length > 0) {
      writeSync(this.fd, `${this.buffer.join('\n')}\n`);
      this.lines += this.buffer.length;
      this.buffer = [];
    }
    fsyncSync(this.fd);
    this.fsyncs++;
    this.closed = true;
    for (const w of [...this.unsynced, ...this.waiters]) w();
    this.unsynced = [];
    this.waiters = [];
    // An fsync still on its way reports on a closed descriptor; its waiters are already released.
    closeSync(this.fd);
    if (this.error) throw this.error;
  }
}
