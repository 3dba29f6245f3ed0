import { AtomicPrivateFile } from '../state/private-files.js';

/**
 * A JSON-lines report. Lines are gathered into ~64 KB writes (one write call
 * per line costs more than the JSON itself); callers await `pace()` between
 * batches so the disk's pace is respected.
 */
export class JsonlWriter {
  private readonly file: AtomicPrivateFile;
  private pending = '';

  constructor(path: string) {
    this.file = new AtomicPrivateFile(path);
  }

  /** One line: JSON text the caller has built (the dry run's bodies arrive as text). */
  writeJsonText(json: string): void {
    this.pending += `${json}\n`;
    if (this.pending.length < 65_536) return;
    this.file.stream.write(this.pending);
    this.pending = '';
  }

  /** See AtomicPrivateFile.pace. */
  pace(): Promise<void> {
    return this.file.pace();
  }

  /** The run failed: no half report replaces the last whole one. */
  discard(): void {
    this.file.discard();
  }

  commit(): Promise<void> {
    if (this.pending) this.file.stream.write(this.pending);
    this.pending = '';
    return this.file.commit();
  }
}
