import { closeSync, openSync, readSync } from 'node:fs';
import type { Base } from '../sync/base.js';
import { decodeEvent } from './codec.js';
import type { DoneRecords } from './done-records.js';

/** A line holding a base is a few hundred bytes; a longer one is read on in steps. */
const STEP = 4096;

/**
 * The base a record's last write left (sync/base.ts), read from its journal
 * line at `at` (DoneRecords keeps only the offset): one small read for each
 * changed record, so no base is held in memory. Undefined when the line is not
 * a write with a base (a journal edited by hand): the sync then falls back to
 * the two-way update.
 */
export function readBaseAt(journalPath: string, at: number): Base | undefined {
  const fd = openSync(journalPath, 'r');
  try {
    const parts: Buffer[] = [];
    for (let pos = at; ; pos += STEP) {
      const buf = Buffer.allocUnsafe(STEP);
      const n = readSync(fd, buf, 0, STEP, pos);
      const nl = buf.subarray(0, n).indexOf(10);
      parts.push(buf.subarray(0, nl >= 0 ? nl : n));
      if (nl >= 0 || n < STEP) break;
    }
    // Decoded once whole: a character may straddle two reads.
    const event = decodeEvent(Buffer.concat(parts).toString('utf8'), 2);
    return event !== undefined && event.t === 'base' ? event.b : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The base of a finished record, by its externalId: where replay saw its line, then that line read. */
export function baseOfRecord(journalPath: string, done: DoneRecords, externalId: string): Base | undefined {
  const at = done.get(externalId)?.baseAt;
  return at === undefined ? undefined : readBaseAt(journalPath, at);
}
