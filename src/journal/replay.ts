import { existsSync, ftruncateSync, closeSync, readSync, fstatSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { openPrivateFile } from '../state/private-files.js';
import { hashes, IdSet } from '../util/id-set.js';
import { decodeEvent, forEachJournalEvent } from './codec.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { emptyState, type MutableState, type ResumeState } from './fold-state.js';
import { forEachLine, lineStartsWith } from './lines.js';
import { JOURNAL_FORMAT } from '../state/private-files.js';
import {
  JOURNAL_VERSION,
  JOURNAL_VERSIONS_READ,
  BASE_LINE_PREFIX,
  type BaseEvent,
  type ClockEvent,
  type IdentityEvent,
  type JournalEvent,
  type JournalHeader,
  type RunEvent,
  type TargetEvent,
} from './events.js';

/**
 * Cuts a torn last line (a crash in the middle of a write) so the journal ends
 * on a whole line. Returns how many bytes were removed.
 */
export function repairTornTail(path: string): number {
  if (!existsSync(path)) return 0;
  // Never through a link: a planted one would have its target truncated.
  const fd = openPrivateFile(path, 'r+');
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

/**
 * Reads the journal, streaming, into the resume state: from the checkpoint of
 * its fold (journal/checkpoint.ts) when one matches it, so only the lines after
 * it are read, else from its first line. A run repairs a torn last line first;
 * a reader that must not write (status, while a run may be appending) passes
 * `repair: false` and skips an unfinished last line instead.
 */
export async function replayJournal(path: string, options: { repair?: boolean } = {}): Promise<ResumeState> {
  const repair = options.repair ?? true;
  const repairedBytes = repair ? repairTornTail(path) : 0;
  if (!existsSync(path)) return { ...emptyState(), repairedBytes };
  const state: MutableState = readCheckpoint(path) ?? emptyState();
  state.repairedBytes = repairedBytes;
  await replayTail(path, state);
  return state;
}

/**
 * Brings the fold up to the journal's end (the lines a run appended since it
 * read `state`; without one, the journal is replayed) and saves it as the
 * journal's checkpoint. Returns why it could not be saved, or undefined.
 */
export async function checkpointJournal(path: string, state?: ResumeState): Promise<string | undefined> {
  const fold = state ?? (await replayJournal(path));
  await replayTail(path, fold);
  return writeCheckpoint(path, fold);
}

/**
 * Folds the journal's lines after `state.position` into the state, in place:
 * at start-up, the lines after a checkpoint; at a run's end, the lines the run
 * appended (the checkpoint it leaves is then the fold of the whole journal,
 * without a second read of it).
 */
export async function replayTail(path: string, given: ResumeState): Promise<void> {
  const state = given as MutableState;
  const from = state.position.bytes;
  state.replayedFrom = from;
  // The attempts still open where the fold stopped are open again: their ids are the ones in doubt.
  const open = new OpenAttempts();
  for (const id of state.inDoubt.keys()) open.open(...hashes(id));
  let { lines: lineNo, lastWrite } = state.position;
  let bytes = from;
  await forEachLine(
    path,
    (buf, start, end, at) => {
      lineNo++;
      bytes = at + end - start + 1;
      if (end === start) return;
      // A base line is passed over unparsed: only where it is counts (a million of them would be most of the replay's work).
      if (isBaseLine(buf, start, end)) {
        if (lastWrite !== undefined) state.done.markBase(lastWrite);
        lastWrite = undefined;
        return;
      }
      const event = applyLine(buf.toString('utf8', start, end), lineNo, at, path, state, open);
      lastWrite = event !== undefined && (event.t === 'done' || event.t === 'patched') ? event.id : undefined;
    },
    undefined,
    from,
  );
  state.position = { bytes, lines: lineNo, lastWrite };
  if (open.ids.size > 0) await recoverInDoubt(path, open.ids, state, from);
  // An attempt in doubt where the fold stopped that the lines since closed is no longer in doubt.
  for (const id of state.inDoubt.keys()) {
    if (open.ids.getHashed(...hashes(id)) !== undefined) continue;
    state.inDoubt.delete(id);
    state.attemptedAt.delete(id);
    state.updatesInDoubt.delete(id);
  }
}

const BASE_PREFIX = Buffer.from(BASE_LINE_PREFIX);
/** The byte where base lines differ from every other event's ('b' of "base"): tested first, in JS, on two million lines. */
const BASE_MARK = BASE_PREFIX[6]!;

function isBaseLine(buf: Buffer, start: number, end: number): boolean {
  return (
    buf[start + 6] === BASE_MARK && end - start > BASE_PREFIX.length && lineStartsWith(buf, start, end, BASE_PREFIX)
  );
}

/** One line through the JSON path (every line but a base line): the event it holds. */
function applyLine(
  text: string,
  lineNo: number,
  at: number,
  path: string,
  state: MutableState,
  open: OpenAttempts,
): JournalEvent | undefined {
  // Not JSON, or JSON of another shape (a hand edit): nothing below may guess.
  const event = decodeEvent(text, lineNo);
  if (event === undefined) {
    throw new UsageError(
      'JOURNAL_CORRUPT',
      `${path}:${lineNo}: not a journal line (${JSON.stringify(text.slice(0, 60))}); the file was changed by something other than openphone-import`,
      { hint: 'restore it from a backup, or move it away to start this job afresh' },
    );
  }
  if (lineNo === 1) {
    state.header = checkHeader(event, path);
    state.idDefinition = state.header.externalIdDefinition;
    state.sourceDefinition = state.header.sourceDefinition;
    if (state.header.keyFingerprint !== undefined)
      state.target = { baseUrl: state.header.baseUrl, keyFingerprint: state.header.keyFingerprint };
    return undefined;
  }
  if (event.t === 'header') return undefined;
  state.events++;
  if (event.t === 'run') state.runs.push(event);
  else if (event.t === 'target') state.target = { baseUrl: event.baseUrl, keyFingerprint: event.keyFingerprint };
  else if (event.t === 'clock') state.clock = { lo: event.lo, hi: event.hi };
  else if (event.t === 'identity') {
    if (event.definition !== undefined) state.idDefinition = event.definition;
    if (event.source !== undefined) state.sourceDefinition = event.source;
  } else if (event.t !== 'base') applyRecordEvent(event, at, state, open);
  return event;
}

function checkHeader(event: JournalEvent | JournalHeader, path: string): JournalHeader {
  if (event.t !== 'header' || event.format !== JOURNAL_FORMAT) {
    throw new UsageError('JOURNAL_UNKNOWN', `${path}:1: not an openphone-import journal (no header line)`, {
      hint: 'this --state-dir holds another file named journal.jsonl: pick another --state-dir',
    });
  }
  if (!JOURNAL_VERSIONS_READ.includes(event.version)) {
    throw new UsageError(
      'JOURNAL_VERSION',
      `${path}: journal format version ${event.version}; this openphone-import reads versions ${JOURNAL_VERSIONS_READ.join(' and ')} (writes ${JOURNAL_VERSION})`,
      { hint: 'use the version that wrote it, or a new --state-dir' },
    );
  }
  return event;
}

/**
 * The ids whose latest event opened an attempt (an attempt, or a failure whose
 * outcome stayed unknown) and nothing has closed since: the ones in doubt at
 * the end. Held by their hashes (the ids are recovered by a second pass), and
 * only while open: a few per run, not a slot per id, so a million-record
 * journal replays in the space of its created set.
 */
class OpenAttempts {
  readonly ids = new IdSet(64);
  open(h1: number, h2: number): void {
    this.ids.setHashed(h1, h2, 1);
  }
  close(h1: number, h2: number): void {
    if (this.ids.size > 0) this.ids.deleteHashed(h1, h2);
  }
}

/** An attempt opens a record's story; done, patched, absent and a failure (unless its outcome stayed unknown) close it. */
function applyRecordEvent(
  event: Exclude<JournalEvent, RunEvent | TargetEvent | ClockEvent | IdentityEvent | BaseEvent>,
  at: number,
  state: MutableState,
  open: OpenAttempts,
): void {
  const [h1, h2] = hashes(event.id);
  switch (event.t) {
    case 'attempt':
      return open.open(h1, h2);
    // A record finished after it failed is no longer failed (a failure after, of a sync, still counts).
    case 'done':
      open.close(h1, h2);
      state.failed.delete(event.id);
      // Its base, if it has one, is the next line (marked then); set() forgets any older one.
      return state.done.set(event.id, event.rel, event.h, at);
    case 'patched':
      open.close(h1, h2);
      state.failed.delete(event.id);
      state.tally.conflicts += event.cf?.length ?? 0;
      state.tally.drift += event.dr?.length ?? 0;
      return state.done.rehash(event.id, event.h, at, event.up !== undefined);
    case 'deleted':
    case 'released': {
      state.tally[event.t]++;
      const before = state.done.get(event.id);
      // An adopted or updated contact that --delete-missing of an earlier version deleted: a rollback makes it again.
      if (event.t === 'deleted' && (before?.relation === 'adopted' || before?.relation === 'updated'))
        state.removed.push({
          externalId: event.id,
          relation: before.relation,
          writeAt: before.writeAt!,
          leftAtLine: state.done.leftAtLine(event.id) ?? before.writeAt!,
        });
      return state.done.delete(event.id);
    }
    case 'failed':
      state.failed.set(event.id, {
        retryable: event.retryable,
        body: event.h,
        code: event.code,
        message: event.message,
        ...(event.trip && { trip: true }),
      });
      // A failure whose outcome stayed unknown counts as an attempt still open.
      return event.doubt ? open.open(h1, h2) : open.close(h1, h2);
    case 'absent':
      return open.close(h1, h2);
    case 'decision':
      return void state.decisions.set(
        event.id,
        event.d === 'adopt' ? { kind: 'adopt', contactId: event.cid! } : { kind: event.d },
      );
    case 'drift':
      // A finding of --verify: the record stays done as it was.
      state.tally.drift += event.dr.length;
      return;
    case 'rolledBack':
      return void state.rolledBack.set(event.cid, event.how);
    case 'prior':
      // Read when a rollback or a release needs it (ownership/prior-states.ts): not held.
      return;
  }
}

/**
 * Second pass, over the lines from `fromByte`: for the attempts left without
 * an outcome, their record lines, when the first left, and whether the last
 * was an update. Only what came after an attempt's last close counts (an
 * outcome, or a lookup that found nothing): the open story starts after it.
 */
async function recoverInDoubt(
  path: string,
  doubtful: IdSet,
  state: Pick<ResumeState, 'inDoubt' | 'attemptedAt' | 'updatesInDoubt'>,
  fromByte: number,
): Promise<void> {
  const { inDoubt, attemptedAt, updatesInDoubt: updates } = state;
  // The first pass checked every line: each is an event.
  await forEachJournalEvent(
    path,
    (event) => {
      if (!OPEN_OR_CLOSE.has(event.t)) return;
      const id = (event as { id: string }).id;
      const [h1, h2] = hashes(id);
      if (doubtful.getHashed(h1, h2) === undefined) return;
      const opens = event.t === 'attempt' || (event.t === 'failed' && event.doubt === true);
      if (!opens) {
        inDoubt.delete(id);
        attemptedAt.delete(id);
        updates.delete(id);
        return;
      }
      inDoubt.set(id, (event as { line: number }).line);
      // The first open attempt's departure: any open attempt since may have made the contact (ownership/prove.ts).
      if (event.t === 'attempt' && event.at !== undefined && !attemptedAt.has(id)) attemptedAt.set(id, event.at);
      // The last open attempt decides what kind of attempt is in doubt.
      if (event.t === 'attempt' && event.op === 'update') updates.add(id);
      else updates.delete(id);
    },
    undefined,
    fromByte,
  );
}

/** The events that open a record's attempt or close it (applyRecordEvent). */
const OPEN_OR_CLOSE = new Set<JournalEvent['t']>(['attempt', 'failed', 'absent', 'done', 'patched']);
