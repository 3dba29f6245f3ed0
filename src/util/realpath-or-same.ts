import { realpathSync } from 'node:fs';

/** The path with its links resolved, or as given when it does not exist (yet): for telling two names of one folder or file apart. */
export function realpathOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
