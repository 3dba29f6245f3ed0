import { existsSync } from 'node:fs';
import type { CreatedEvent } from '../journal/events.js';
import { decodeEvent, isCreatedLine, plainCreated } from '../journal/codec.js';
import { forEachLine } from '../journal/lines.js';
import { AtomicPrivateFile } from './private-files.js';
import { mayNeedQuote, neutraliseCell, UTF8_BOM } from './spreadsheet-safe.js';

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * created.csv: every contact this job has made (all runs), externalId → contact
 * id, rebuilt from the journal so it is complete after any crash and resume.
 * The journal has one created event per externalId (a created record is never
 * attempted again), so no set of ids is needed to write each once.
 *
 * A million-line journal is turned into CSV byte by byte where the line is in
 * the writer's own form (plain ASCII ids): parsing each as JSON cost ~100 MB of
 * peak memory at the end of every run.
 */
export async function writeCreatedReport(journalPath: string, outPath: string): Promise<number> {
  const file = new AtomicPrivateFile(outPath);
  // A byte order mark: Excel reads the file as UTF-8 (externalIds may have accents).
  file.stream.write(`${UTF8_BOM}line,externalId,contactId\n`);
  let count = 0;
  let out = Buffer.allocUnsafe(256 * 1024);
  let used = 0;
  const full: Buffer[] = [];
  const room = (n: number) => {
    if (used + n <= out.length) return;
    full.push(out.subarray(0, used));
    out = Buffer.allocUnsafe(Math.max(256 * 1024, n));
    used = 0;
  };
  // Copied straight into the output buffer: no Buffer per piece (4 million of them for a million contacts).
  const emit = (bytes: Buffer | string) => {
    if (typeof bytes === 'string') {
      room(Buffer.byteLength(bytes));
      used += out.write(bytes, used);
      return;
    }
    room(bytes.length);
    used += bytes.copy(out, used);
  };
  const emitByte = (byte: number) => {
    room(1);
    out[used++] = byte;
  };
  if (existsSync(journalPath)) {
    await forEachLine(
      journalPath,
      (buf, start, end) => {
        if (!isCreatedLine(buf, start, end)) return;
        count++;
        const fast = plainCreatedCsv(buf, start, end);
        if (fast !== undefined) {
          emit(buf.subarray(fast.line[0], fast.line[1]));
          emitByte(0x2c);
          emit(buf.subarray(fast.id[0], fast.id[1]));
          emitByte(0x2c);
          emit(buf.subarray(fast.cid[0], fast.cid[1]));
          emitByte(0x0a);
          return;
        }
        const e = decodeEvent(buf.toString('utf8', start, end), 2) as CreatedEvent;
        emit(`${e.line},${csvCell(neutraliseCell(e.id))},${csvCell(neutraliseCell(e.cid))}\n`);
      },
      async () => {
        for (const chunk of full.splice(0)) {
          file.stream.write(chunk);
          await file.pace();
        }
      },
    );
  }
  for (const chunk of full.splice(0)) file.stream.write(chunk);
  if (used > 0) file.stream.write(out.subarray(0, used));
  await file.commit();
  return count;
}

/** A created line the codec reads from its bytes, whose id and cid also go into CSV as they are (no comma, no formula start). */
function plainCreatedCsv(buf: Buffer, start: number, end: number) {
  const made = plainCreated(buf, start, end);
  if (made === undefined) return undefined;
  for (const [from, to] of [made.id, made.cid]) {
    // A cell that would start a formula in a spreadsheet takes the slow path, which quotes it.
    if (to > from && mayNeedQuote(buf[from]!)) return undefined;
    for (let i = from; i < to; i++) if (buf[i] === 0x2c) return undefined;
  }
  return made;
}
