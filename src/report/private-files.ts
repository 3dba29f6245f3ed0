import { once } from 'node:events';
import { createWriteStream, mkdirSync, chmodSync, openSync, renameSync, type WriteStream } from 'node:fs';

/**
 * Everything the job writes holds personal data: the state directory is 0700
 * and its files 0600. The mode given at creation does not apply to a file or
 * directory that already exists, so it is set again explicitly.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function openPrivateFile(path: string, flags: 'w' | 'a'): number {
  const fd = openSync(path, flags, 0o600);
  chmodSync(path, 0o600);
  return fd;
}

export function privateWriteStream(path: string, flags: 'w' | 'a' = 'w'): WriteStream {
  return createWriteStream(path, { fd: openPrivateFile(path, flags) });
}

/** Writes to `path.tmp` and renames into place, so a reader never sees half a report. */
export class AtomicPrivateFile {
  readonly tmp: string;
  readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.tmp = `${path}.tmp`;
    this.stream = privateWriteStream(this.tmp, 'w');
  }
  /**
   * Resolves once the file has taken what it was given: writers await it so a
   * million rows cannot fill memory faster than the disk drains.
   */
  async pace(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }
  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    renameSync(this.tmp, this.path);
  }
}

/** Writes a whole small file privately and atomically. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const file = new AtomicPrivateFile(path);
  file.stream.write(content);
  await file.commit();
}
