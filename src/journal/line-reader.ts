import { closeSync, openSync, readSync } from 'node:fs';
import type { Base } from '../sync/base.js';
import { decodeEvent } from './codec.js';
import type { DoneRecords } from './done-records.js';
import type { JournalEvent, JournalHeader } from './events.js';

/** A journal line is a few hundred bytes; a longer one is read on in steps. */
const STEP = 4096;

/**
 * Reads single journal lines where replay saw them (DoneRecords keeps each
 * record's last write by its offset): one small read for each record asked
 * about, so no contact id or base is held in memory.
 */
export class JournalLines {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The event on the line that starts at `at`, and where the next line starts. Undefined when it is not an event (a journal edited by hand). */
  eventAt(at: number): { event: JournalEvent | undefined; next: number } {
    const parts: Buffer[] = [];
    let length = 0;
    for (let pos = at; ; pos += STEP) {
      const buf = Buffer.allocUnsafe(STEP);
      const n = readSync(this.fd, buf, 0, STEP, pos);
      const nl = buf.subarray(0, n).indexOf(10);
      parts.push(buf.subarray(0, nl >= 0 ? nl : n));
      length += nl >= 0 ? nl : n;
      if (nl >= 0 || n < STEP) break;
    }
    // Decoded once whole: a character may straddle two reads.
    const event: JournalEvent | JournalHeader | undefined = decodeEvent(Buffer.concat(parts).toString('utf8'), 2);
    return { event: event?.t === 'header' ? undefined : event, next: at + length + 1 };
  }

  /** The base the write on the line at `writeAt` left: the line after it (sync/base.ts). */
  baseAfter(writeAt: number): Base | undefined {
    const { event } = this.eventAt(this.eventAt(writeAt).next);
    return event?.t === 'base' ? event.b : undefined;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The base a record's last write left, read from the line after it; undefined when none (the sync then falls back to the two-way update). */
export function readBaseAfter(journalPath: string, writeAt: number): Base | undefined {
  const lines = new JournalLines(journalPath);
  try {
    return lines.baseAfter(writeAt);
  } finally {
    lines.close();
  }
}

/**
 * What a changed record's last write left: its contact's id (the job's contact
 * is that one, whatever its source: an adopted contact keeps the app's) and,
 * when `hasBase`, its base. One or two small reads.
 */
export function readLastWrite(
  journalPath: string,
  writeAt: number,
  hasBase: boolean,
): { contactId?: string; base?: Base } {
  const lines = new JournalLines(journalPath);
  try {
    return lastWriteIn(lines, writeAt, hasBase);
  } finally {
    lines.close();
  }
}

/** readLastWrite through a reader kept open, for a run that asks about many records. */
export function lastWriteIn(
  lines: JournalLines,
  writeAt: number,
  hasBase: boolean,
): { contactId?: string; base?: Base } {
  const { event, next } = lines.eventAt(writeAt);
  const contactId = event?.t === 'done' || event?.t === 'patched' ? event.cid : undefined;
  const base = hasBase ? lines.eventAt(next).event : undefined;
  return {
    ...(contactId !== undefined && { contactId }),
    ...(base?.t === 'base' && { base: base.b }),
  };
}

/** The base of a finished record, by its externalId. */
export function baseOfRecord(journalPath: string, done: DoneRecords, externalId: string): Base | undefined {
  const record = done.get(externalId);
  return record?.hasBase && record.writeAt !== undefined ? readBaseAfter(journalPath, record.writeAt) : undefined;
}
