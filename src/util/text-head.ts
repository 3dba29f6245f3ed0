import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The first `bytes` of a file as UTF-8 text: enough to read a header line
 * without reading the file. Throws as openSync does (a missing file).
 */
export function readTextHead(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(bytes);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The first line of a text, without its line end (CRLF or LF). */
export const firstLineOf = (text: string): string => text.split(/\r?\n/, 1)[0] ?? '';
