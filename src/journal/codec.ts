import type { JournalEvent, JournalHeader } from './events.js';

/**
 * The journal's line format, in one place: how an event is written, and how a
 * line is read back and checked (JSON.parse, whatever the key order).
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

const RECORD_EVENTS = new Set(['attempt', 'created', 'updated', 'deleted', 'failed', 'absent']);

function wellFormed(event: unknown, lineNo: number): event is JournalEvent | JournalHeader {
  if (event === null || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  if (lineNo === 1) return e.t === 'header';
  if (e.t === 'run') return e.event === 'start' || e.event === 'end';
  if (e.t === 'target') return typeof e.baseUrl === 'string' && typeof e.keyFingerprint === 'string';
  if (!RECORD_EVENTS.has(e.t as string) || typeof e.id !== 'string') return false;
  if (e.t === 'created') return typeof e.cid === 'string' && typeof e.line === 'number';
  if (e.t === 'deleted') return typeof e.cid === 'string';
  if (e.t === 'updated') return typeof e.cid === 'string' && typeof e.line === 'number' && typeof e.h === 'string';
  if (e.t === 'failed') return typeof e.code === 'string' && typeof e.retryable === 'boolean' && typeof e.body === 'string';
  return e.t === 'absent' || typeof e.line === 'number';
}
