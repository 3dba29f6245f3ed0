import type { JournalEvent, JournalHeader } from './events.js';
import { bytesStartWith } from './lines.js';

/**
 * The journal's line format, in one place: how an event is written, how a line
 * is read back and checked, and the byte-level readers that take the two
 * commonest lines (attempt, created) without JSON.parse. They rely on the key
 * order `encodeEvent` writes (events.ts's field order) and take only lines
 * whose strings need no unescaping; anything else returns undefined and is
 * read as JSON.
 */
export const encodeEvent = (event: JournalEvent | JournalHeader): string => JSON.stringify(event);

/** A line read back: the event, or undefined when it is not JSON or not a journal event (a hand edit). */
export function decodeEvent(text: string, lineNo: number): JournalEvent | JournalHeader | undefined {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return undefined;
  }
  return wellFormed(event, lineNo) ? event : undefined;
}

const RECORD_EVENTS = new Set(['attempt', 'created', 'failed', 'absent']);

function wellFormed(event: unknown, lineNo: number): event is JournalEvent | JournalHeader {
  if (event === null || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  if (lineNo === 1) return e.t === 'header';
  if (e.t === 'run') return e.event === 'start' || e.event === 'end';
  if (e.t === 'target') return typeof e.baseUrl === 'string' && typeof e.keyFingerprint === 'string';
  if (!RECORD_EVENTS.has(e.t as string) || typeof e.id !== 'string') return false;
  if (e.t === 'created') return typeof e.cid === 'string' && typeof e.line === 'number';
  if (e.t === 'failed') return typeof e.code === 'string' && typeof e.retryable === 'boolean' && typeof e.body === 'string';
  return e.t === 'absent' || typeof e.line === 'number';
}

const ATTEMPT = Buffer.from('{"t":"attempt","id":"');
const CREATED = Buffer.from('{"t":"created","id":"');
/** Any created event, whatever follows its type: `{"t":"created"`. */
const CREATED_EVENT = CREATED.subarray(0, 14);
/** An attempt's id is followed by its other keys (line, at, op): only the id is read. */
const AFTER_ATTEMPT_ID = Buffer.from('",');
const CID = Buffer.from('","cid":"');
const LINE = Buffer.from('","line":');

export type Range = readonly [start: number, end: number];

export const isCreatedLine = (buf: Buffer, start: number, end: number): boolean => bytesStartWith(buf, start, end, CREATED_EVENT);

/** The id's bytes of an attempt line as written, or undefined. */
export function attemptId(buf: Buffer, start: number, end: number): Range | undefined {
  if (!bytesStartWith(buf, start, end, ATTEMPT)) return undefined;
  const idStart = start + ATTEMPT.length;
  const idEnd = plainUntilQuote(buf, idStart, end);
  return idEnd >= 0 && bytesStartWith(buf, idEnd, end, AFTER_ATTEMPT_ID) ? [idStart, idEnd] : undefined;
}

/** id, cid and record line of `{"t":"created","id":"…","cid":"…","line":N}` as written (no `how`), or undefined. */
export function plainCreated(buf: Buffer, start: number, end: number): { id: Range; cid: Range; line: Range; lineNo: number } | undefined {
  if (!bytesStartWith(buf, start, end, CREATED)) return undefined;
  const idStart = start + CREATED.length;
  const idEnd = plainUntilQuote(buf, idStart, end);
  if (idEnd < 0 || !bytesStartWith(buf, idEnd, end, CID)) return undefined;
  const cidStart = idEnd + CID.length;
  const cidEnd = plainUntilQuote(buf, cidStart, end);
  if (cidEnd < 0 || !bytesStartWith(buf, cidEnd, end, LINE) || buf[end - 1] !== 0x7d) return undefined;
  const lineStart = cidEnd + LINE.length;
  if (lineStart >= end - 1) return undefined;
  let lineNo = 0;
  for (let i = lineStart; i < end - 1; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
    lineNo = lineNo * 10 + (c - 0x30);
  }
  return { id: [idStart, idEnd], cid: [cidStart, cidEnd], line: [lineStart, end - 1], lineNo };
}

/** Index of the closing quote, or -1 if a byte on the way needs JSON unescaping or is not printable ASCII. */
function plainUntilQuote(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x22) return i;
    if (c === 0x5c || c < 0x20 || c >= 0x80) return -1;
  }
  return -1;
}
