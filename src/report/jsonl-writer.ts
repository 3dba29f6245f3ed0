import { once } from 'node:events';
import { AtomicPrivateFile } from './private-files.js';

/**
 * A JSON-lines report. Lines are gathered into ~64 KB writes (one write call
 * per line costs more than the JSON itself) and the disk's pace is respected.
 */
export class JsonlWriter {
  private readonly file: AtomicPrivateFile;
  private pending = '';

  constructor(path: string) {
    this.file = new AtomicPrivateFile(path);
  }

  async write(value: unknown): Promise<void> {
    this.pending += `${JSON.stringify(value)}\n`;
    if (this.pending.length < 65_536) return;
    const chunk = this.pending;
    this.pending = '';
    if (!this.file.stream.write(chunk)) await once(this.file.stream, 'drain');
  }

  commit(): Promise<void> {
    if (this.pending) this.file.stream.write(this.pending);
    this.pending = '';
    return this.file.commit();
  }
}
