import { createReadStream, existsSync, ftruncateSync, openSync, closeSync, readSync, fstatSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { IdSet } from '../util/id-set.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION, type JournalEvent, type JournalHeader, type RunEvent } from './events.js';

export interface PastFailure {
  readonly retryable: boolean;
  readonly body: string;
  readonly code: string;
  readonly message: string;
}

/** What earlier runs did, rebuilt from the journal alone. */
export interface ResumeState {
  readonly header: JournalHeader | undefined;
  /** externalIds whose contact exists (value: the line it came from). */
  readonly created: IdSet;
  /** Attempted with no outcome recorded (value: its line): the contact may or may not exist. */
  readonly inDoubt: Map<string, number>;
  readonly failed: Map<string, PastFailure>;
  readonly runs: RunEvent[];
  readonly events: number;
  /** Bytes cut off a torn last line, 0 when the journal ended cleanly. */
  readonly repairedBytes: number;
}

/**
 * Cuts a torn last line (a crash in the middle of a write) so the journal ends
 * on a whole line. Returns how many bytes were removed.
 */
export function repairTornTail(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const tailSize = Math.min(size, 1 << 20);
    const tail = Buffer.alloc(tailSize);
    readSync(fd, tail, 0, tailSize, size - tailSize);
    if (tail[tailSize - 1] === 0x0a) return 0;
    const lastNewline = tail.lastIndexOf(0x0a);
    const keep = lastNewline < 0 ? (tailSize === size ? 0 : size - tailSize) : size - tailSize + lastNewline + 1;
    ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    closeSync(fd);
  }
}

/** Reads the journal once, streaming, into the resume state. */
export async function replayJournal(path: string): Promise<ResumeState> {
  const repairedBytes = repairTornTail(path);
  const state = {
    header: undefined as JournalHeader | undefined,
    created: new IdSet(),
    inDoubt: new Map<string, number>(),
    failed: new Map<string, PastFailure>(),
    runs: [] as RunEvent[],
    events: 0,
    repairedBytes,
  };
  if (!existsSync(path)) return state;

  let lineNo = 0;
  let rest = '';
  const apply = (text: string) => {
    lineNo++;
    if (text === '') return;
    let event: JournalEvent | JournalHeader;
    try {
      event = JSON.parse(text) as JournalEvent | JournalHeader;
    } catch {
      throw new UsageError('JOURNAL_CORRUPT', `${path}:${lineNo}: not a journal line (${JSON.stringify(text.slice(0, 60))}); the file was changed by something other than openphone-import. Move it away to start this job afresh.`);
    }
    if (lineNo === 1) {
      if (event.t !== 'header' || event.format !== JOURNAL_FORMAT) {
        throw new UsageError('JOURNAL_UNKNOWN', `${path}:1: not an openphone-import journal (no header line)`);
      }
      if (event.version !== JOURNAL_VERSION) {
        throw new UsageError('JOURNAL_VERSION', `${path}: journal format version ${event.version}; this openphone-import reads version ${JOURNAL_VERSION}. Use the version that wrote it, or a new --state-dir.`);
      }
      state.header = event;
      return;
    }
    state.events++;
    switch (event.t) {
      case 'attempt':
        state.inDoubt.set(event.id, event.line);
        break;
      case 'created':
        state.inDoubt.delete(event.id);
        state.failed.delete(event.id);
        state.created.set(event.id, event.line);
        break;
      case 'failed':
        if (event.doubt) state.inDoubt.set(event.id, event.line);
        else state.inDoubt.delete(event.id);
        state.failed.set(event.id, { retryable: event.retryable, body: event.body, code: event.code, message: event.message });
        break;
      case 'absent':
        state.inDoubt.delete(event.id);
        break;
      case 'run':
        state.runs.push(event);
        break;
      default:
        break;
    }
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      apply(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') apply(rest);
  return state;
}
