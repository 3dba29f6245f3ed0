import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * Why `file` is not the one that was opened any more (rewritten, cut,
 * replaced while it was read: its size, time or inode changed), or undefined
 * when it is the same: a run that read a file changing under it has not read
 * the whole of anything.
 */
export async function changedSinceOpen(file: string, opened: Stats): Promise<string | undefined> {
  const now = await stat(file).catch(() => undefined);
  if (now === undefined) return `${file} is gone`;
  if (now.ino !== opened.ino || now.dev !== opened.dev) return `${file} was replaced by another file`;
  if (now.size !== opened.size) return `${file} changed size from ${opened.size} to ${now.size} bytes`;
  if (now.mtimeMs !== opened.mtimeMs)
    return `${file} was written to (modified ${now.mtime.toISOString()}, opened at ${opened.mtime.toISOString()})`;
  return undefined;
}
