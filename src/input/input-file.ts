import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * The input is a regular file that can be read (exit 2 otherwise, never a
 * crash): looked at before it is opened, since opening a pipe waits for a
 * writer that may never come. `init` and `run` alike start here.
 */
export async function checkInputFile(file: string): Promise<Stats> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw unreadable(file, err);
  }
  if (!st.isFile()) {
    // The input is read again on every resume: a pipe or a device cannot be.
    const what = st.isDirectory()
      ? 'a folder'
      : st.isFIFO()
        ? 'a pipe'
        : st.isCharacterDevice()
          ? 'a device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
    throw new UsageError(
      'INPUT_NOT_A_FILE',
      `--input ${file}: found ${what}: expected a file (the input is read again on every resume)`,
      { hint: 'save the data to a file first and name that file' },
    );
  }
  return st;
}

/** The input's first `bytes` bytes (fewer for a shorter file), after checkInputFile: what its format is sniffed from. */
export async function readInputHead(file: string, bytes: number): Promise<{ head: Buffer; stats: Stats }> {
  const stats = await checkInputFile(file);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return { head: buf.subarray(0, bytesRead), stats };
  } finally {
    await handle.close();
  }
}

function unreadable(file: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOENT'
      ? 'check the --input path (a relative path starts from the folder the command runs in)'
      : code === 'EACCES' || code === 'EPERM'
        ? 'give this user read permission on the file, or copy it somewhere readable'
        : 'check that the file is there and readable';
  return new UsageError('INPUT_UNREADABLE', `cannot read input ${file}: ${(err as Error).message}`, { hint });
}
