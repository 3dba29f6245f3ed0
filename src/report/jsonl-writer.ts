import { once } from 'node:events';
import { AtomicPrivateFile } from './private-files.js';

/** A JSON-lines report that respects the disk's pace (waits on 'drain'). */
export class JsonlWriter {
  private readonly file: AtomicPrivateFile;
  constructor(path: string) {
    this.file = new AtomicPrivateFile(path);
  }
  async write(value: unknown): Promise<void> {
    if (!this.file.stream.write(`${JSON.stringify(value)}\n`)) await once(this.file.stream, 'drain');
  }
  commit(): Promise<void> {
    return this.file.commit();
  }
}
