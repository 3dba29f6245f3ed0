import {
  ROLLBACK_OUTCOMES,
  type DoneEvent,
  type FailedEvent,
  type JournalEvent,
  type JournalHeader,
  type PatchedEvent,
} from './events.js';
import { forEachLine, lineStartsWith } from './lines.js';

/**
 * The journal's line format, in one place: how an event is written, and how a
 * line is read back and checked (JSON.parse, whatever the key order).
 */
export const encodeEvent = (event: JournalEvent | JournalHeader): string => JSON.stringify(event);

/**
 * A line read back: the event, or undefined when it is not JSON or not a
 * journal event (a hand edit). Events of versions 1 and 2 come back under
 * version 3's names (events.ts): `created` is `done` with its relation in
 * `rel`, `updated` is `patched` with its reason, a failure's `body` is `h`.
 */
export function decodeEvent(text: string, lineNo: number): JournalEvent | JournalHeader | undefined {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!wellFormed(event, lineNo)) return undefined;
  return LEGACY.has(event.t) ? renamed(event as unknown as Legacy) : event;
}

/** Versions 1 and 2's record events, as they wrote them. */
type Legacy =
  | (Omit<DoneEvent, 't' | 'rel'> & { t: 'created'; how?: 'existing' | 'updated' | 'adopted' })
  | (Omit<PatchedEvent, 't' | 'why'> & { t: 'updated' })
  | (Omit<FailedEvent, 'h'> & { body: string });
const LEGACY = new Set(['created', 'updated', 'failed']);

function renamed(event: Legacy): JournalEvent {
  if (event.t === 'created') {
    const { how, ...rest } = event;
    return { ...rest, t: 'done', rel: how ?? 'created' };
  }
  if (event.t === 'updated') return { ...event, t: 'patched', why: event.dr !== undefined ? 'drift' : 'sync' };
  if ('h' in event) return event as unknown as FailedEvent;
  const { body, ...rest } = event;
  return { ...rest, h: body };
}

const RECORD_EVENTS = new Set([
  'attempt',
  'done',
  'patched',
  'created',
  'updated',
  'deleted',
  'released',
  'drift',
  'decision',
  'failed',
  'absent',
  'prior',
  'rolledBack',
]);

const OUTCOMES = new Set<string>(ROLLBACK_OUTCOMES);
const RELATIONS = new Set<string>(['created', 'existing', 'updated', 'adopted']);

function wellFormed(event: unknown, lineNo: number): event is JournalEvent | JournalHeader {
  if (event === null || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  if (lineNo === 1) return e.t === 'header';
  if (e.t === 'run') return e.event === 'start' || e.event === 'end';
  if (e.t === 'target') return typeof e.baseUrl === 'string' && typeof e.keyFingerprint === 'string';
  if (e.t === 'base') return typeof e.b === 'object' && e.b !== null;
  if (e.t === 'identity')
    return (
      (typeof e.definition === 'string' || typeof e.source === 'string') &&
      (e.definition === undefined || typeof e.definition === 'string') &&
      (e.source === undefined || typeof e.source === 'string')
    );
  if (e.t === 'clock') return typeof e.lo === 'number' && typeof e.hi === 'number' && e.lo <= e.hi;
  if (!RECORD_EVENTS.has(e.t as string) || typeof e.id !== 'string') return false;
  if (e.t === 'done') return typeof e.cid === 'string' && typeof e.line === 'number' && RELATIONS.has(e.rel as string);
  if (e.t === 'patched')
    return (
      typeof e.cid === 'string' &&
      typeof e.line === 'number' &&
      typeof e.h === 'string' &&
      (e.why === 'sync' || e.why === 'drift')
    );
  if (e.t === 'created') return typeof e.cid === 'string' && typeof e.line === 'number';
  if (e.t === 'deleted' || e.t === 'released') return typeof e.cid === 'string';
  if (e.t === 'prior') return typeof e.cid === 'string' && typeof e.c === 'object' && e.c !== null;
  if (e.t === 'rolledBack') return typeof e.cid === 'string' && OUTCOMES.has(e.how as string);
  if (e.t === 'drift') return typeof e.cid === 'string' && Array.isArray(e.dr);
  if (e.t === 'decision') return e.d === 'create' || e.d === 'skip' || (e.d === 'adopt' && typeof e.cid === 'string');
  if (e.t === 'updated') return typeof e.cid === 'string' && typeof e.line === 'number' && typeof e.h === 'string';
  if (e.t === 'failed')
    return (
      typeof e.code === 'string' &&
      typeof e.retryable === 'boolean' &&
      (typeof e.h === 'string' || typeof e.body === 'string')
    );
  return e.t === 'absent' || typeof e.line === 'number';
}

/**
 * Each event of a journal after its header, parsed (a line that is not an
 * event is passed over: replay is the one that refuses it). `afterChunk` as
 * forEachLine's: to write out what the events produced at the disk's pace.
 * `onlyOf`: the one event type wanted; the other lines are passed over
 * unparsed (a prior event among a year of nightly syncs: 1.2 GB of lines).
 */
export async function forEachJournalEvent(
  journalPath: string,
  fn: (event: JournalEvent) => void,
  afterChunk?: () => Promise<void>,
  fromByte = 0,
  onlyOf?: JournalEvent['t'],
): Promise<void> {
  const type = onlyOf === undefined ? undefined : Buffer.from(JSON.stringify(onlyOf));
  // From a byte past the header, every line is an event.
  let lineNo = fromByte > 0 ? 1 : 0;
  await forEachLine(
    journalPath,
    (buf, start, end) => {
      lineNo++;
      if (lineNo === 1 || end === start) return;
      if (type !== undefined && !mayBeOfType(buf, start, end, type)) return;
      const event = decodeEvent(buf.toString('utf8', start, end), lineNo);
      if (event !== undefined && event.t !== 'header') fn(event);
    },
    afterChunk,
    fromByte,
  );
}

/** How the writer begins every line (encodeEvent: JSON.stringify of an object whose first key is `t`). */
const TYPE_FIRST = Buffer.from('{"t":"');

/**
 * Whether a line may be an event of this type (`type`: the type as a JSON
 * string), without parsing it: as written, by its first bytes; a line in
 * another key order or spacing, by whether the string is anywhere on it.
 */
function mayBeOfType(buf: Buffer, start: number, end: number, type: Buffer): boolean {
  if (lineStartsWith(buf, start, end, TYPE_FIRST)) return lineStartsWith(buf, start + TYPE_FIRST.length - 1, end, type);
  return buf.subarray(start, end).indexOf(type) >= 0;
}
