import { closeSync, fsyncSync, writeSync } from 'node:fs';
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

  /** Writes and fsyncs everything buffered. Synchronous, so a signal handler can call it. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.lines += this.buffer.length;
    this.buffer = [];
    const waiters = this.waiters;
    this.waiters = [];
    writeSync(this.fd, text);
    fsyncSync(this.fd);
    this.fsyncs++;
    for (const w of waiters) w();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}
