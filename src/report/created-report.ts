import { existsSync } from 'node:fs';
import type { CreatedEvent } from '../journal/events.js';
import { bytesStartWith, forEachLine } from '../journal/lines.js';
import { AtomicPrivateFile } from './private-files.js';
import { mayNeedQuote, neutraliseCell } from './spreadsheet-safe.js';

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const CREATED = Buffer.from('{"t":"created","id":"');
/** Any created event, whatever follows its type: `{"t":"created"`. */
const CREATED_EVENT = CREATED.subarray(0, 14);
const CID = Buffer.from('","cid":"');
const LINE = Buffer.from('","line":');

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
  file.stream.write('line,externalId,contactId\n');
  let count = 0;
  let out = Buffer.allocUnsafe(256 * 1024);
  let used = 0;
  const full: Buffer[] = [];
  const emit = (bytes: Buffer | string) => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    if (used + b.length > out.length) {
      full.push(out.subarray(0, used));
      out = Buffer.allocUnsafe(Math.max(256 * 1024, b.length));
      used = 0;
    }
    b.copy(out, used);
    used += b.length;
  };
  if (existsSync(journalPath)) {
    await forEachLine(
      journalPath,
      (buf, start, end) => {
        if (!bytesStartWith(buf, start, end, CREATED_EVENT)) return;
        count++;
        const fast = plainCreated(buf, start, end);
        if (fast !== undefined) {
          emit(buf.subarray(fast.line[0], fast.line[1]));
          emit(',');
          emit(buf.subarray(fast.id[0], fast.id[1]));
          emit(',');
          emit(buf.subarray(fast.cid[0], fast.cid[1]));
          emit('\n');
          return;
        }
        const e = JSON.parse(buf.toString('utf8', start, end)) as CreatedEvent;
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

/** Byte ranges of id, cid and line in `{"t":"created","id":"…","cid":"…","line":N}` when id and cid need no CSV quoting or JSON unescaping. */
function plainCreated(buf: Buffer, start: number, end: number): { id: [number, number]; cid: [number, number]; line: [number, number] } | undefined {
  if (!bytesStartWith(buf, start, end, CREATED)) return undefined;
  const idStart = start + CREATED.length;
  // An id that would start a formula in a spreadsheet takes the slow path, which quotes it.
  if (mayNeedQuote(buf[idStart]!)) return undefined;
  const idEnd = plainUntilQuote(buf, idStart, end);
  if (idEnd < 0 || !bytesStartWith(buf, idEnd, end, CID)) return undefined;
  const cidStart = idEnd + CID.length;
  if (mayNeedQuote(buf[cidStart]!)) return undefined;
  const cidEnd = plainUntilQuote(buf, cidStart, end);
  if (cidEnd < 0 || !bytesStartWith(buf, cidEnd, end, LINE) || buf[end - 1] !== 0x7d) return undefined;
  const lineStart = cidEnd + LINE.length;
  for (let i = lineStart; i < end - 1; i++) if (buf[i]! < 0x30 || buf[i]! > 0x39) return undefined;
  return { id: [idStart, idEnd], cid: [cidStart, cidEnd], line: [lineStart, end - 1] };
}

/** Index of the closing quote, or -1 if a byte on the way needs escaping in JSON or quoting in CSV, or is not ASCII. */
function plainUntilQuote(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x22) return i;
    if (c === 0x5c || c === 0x2c || c < 0x20 || c >= 0x80) return -1;
  }
  return -1;
}
