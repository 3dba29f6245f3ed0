import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { AtomicPrivateFile, statePath } from '../state/private-files.js';
import { DONE_SECTIONS, DoneRecords, type DoneShape } from './done-records.js';
import type { MutableState, PastFailure, RemovedRecord, ResumeState } from './fold-state.js';
import type { ReviewDecision, RollbackOutcome } from './events.js';

/**
 * A checkpoint of the journal's fold (journal.checkpoint beside it): the
 * resume state as replay left it, and how far into the journal it reaches. A
 * run's start reads it and replays only the lines after it, so a job that
 * syncs every night starts as fast in a year as on its second night: replay
 * is proportional to the records, not to the runs.
 *
 * The journal stays the one truth and is never rewritten: the checkpoint is
 * derived from it, written whole (temp file, fsync, rename) at the end of a
 * run, and used only when it is of this journal: the journal is at least as
 * long, its header line is the one the checkpoint saw, and so are the 64 KB
 * before the point it reaches. Anything else (a journal restored from a
 * backup, another job's, a checkpoint that does not read) and the journal is
 * read whole, as if there were none.
 *
 * Layout: one line of JSON (what follows, and the journal it is of), the
 * state's small part as JSON, then the finished records' arrays as they are
 * in memory (journal/done-records.ts), read straight into their arrays: a
 * million records load in a few reads, with no second copy held.
 */

const FORMAT = 'openphone-import-checkpoint';
const VERSION = 1;
/** How much of the journal before the checkpoint's point must match: a journal that changed there is not the one it was made from. */
const TAIL_BYTES = 64 * 1024;

interface Meta {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly journal: { readonly bytes: number; readonly head: string; readonly tail: string };
  readonly json: number;
  /** Byte lengths of the binary sections, in DONE_SECTIONS order. */
  readonly sections: readonly number[];
}

/** The state's part kept as JSON: everything but the finished records' arrays. */
interface JsonPart {
  readonly header: ResumeState['header'];
  readonly target: ResumeState['target'];
  readonly inDoubt: [string, number][];
  readonly attemptedAt: [string, number][];
  readonly updatesInDoubt: string[];
  readonly failed: [string, PastFailure][];
  readonly decisions: [string, ReviewDecision][];
  readonly runs: ResumeState['runs'];
  readonly tally: ResumeState['tally'];
  readonly rolledBack: [string, RollbackOutcome][];
  readonly removed: RemovedRecord[];
  readonly idDefinition: string | null;
  readonly sourceDefinition: string | null;
  readonly clock: ResumeState['clock'] | null;
  readonly events: number;
  readonly position: { bytes: number; lines: number; lastWrite: string | null };
  readonly done: DoneShape;
}

const checkpointPath = (journalPath: string): string => statePath(dirname(journalPath), 'checkpoint');

/**
 * Saves the fold of the journal up to `state.position` (the whole journal, as
 * the run that folded it last closed it). Returns why it could not (a full
 * disk), or undefined: without a checkpoint the next start reads the journal
 * whole, slower but the same.
 */
export async function writeCheckpoint(journalPath: string, state: ResumeState): Promise<string | undefined> {
  const { shape, sections: bytes } = state.done.snapshot();
  const json: JsonPart = {
    header: state.header,
    target: state.target,
    inDoubt: [...state.inDoubt],
    attemptedAt: [...state.attemptedAt],
    updatesInDoubt: [...state.updatesInDoubt],
    failed: [...state.failed],
    decisions: [...state.decisions],
    runs: state.runs,
    tally: state.tally,
    rolledBack: [...state.rolledBack],
    removed: state.removed,
    idDefinition: state.idDefinition ?? null,
    sourceDefinition: state.sourceDefinition ?? null,
    clock: state.clock ?? null,
    events: state.events,
    position: { ...state.position, lastWrite: state.position.lastWrite ?? null },
    done: shape,
  };
  const jsonBytes = Buffer.from(JSON.stringify(json));
  const sections = DONE_SECTIONS.map((name) => bytes[name]);
  let file: AtomicPrivateFile | undefined;
  try {
    const identity = journalIdentity(journalPath, state.position.bytes);
    if (identity === undefined) return 'the journal is shorter than its fold';
    const meta: Meta = {
      format: FORMAT,
      version: VERSION,
      journal: identity,
      json: jsonBytes.length,
      sections: sections.map((s) => s.length),
    };
    file = new AtomicPrivateFile(checkpointPath(journalPath));
    file.stream.write(`${JSON.stringify(meta)}\n`);
    file.stream.write(jsonBytes);
    for (const section of sections) {
      file.stream.write(section);
      await file.pace();
    }
    await file.commit();
    return undefined;
  } catch (err) {
    file?.discard();
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The fold a checkpoint saved, when it is of this journal (see above), else
 * undefined: the caller then reads the journal from its first line.
 */
export function readCheckpoint(journalPath: string): MutableState | undefined {
  let fd: number;
  try {
    fd = openSync(checkpointPath(journalPath), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    return restore(fd, journalPath);
  } catch {
    // Not a checkpoint this version wrote, or cut short: the journal says it all.
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function restore(fd: number, journalPath: string): MutableState | undefined {
  const size = fstatSync(fd).size;
  const start = Buffer.alloc(Math.min(size, 64 * 1024));
  readSync(fd, start, 0, start.length, 0);
  const metaEnd = start.indexOf(10);
  if (metaEnd < 0) return undefined;
  const meta = JSON.parse(start.toString('utf8', 0, metaEnd)) as Meta;
  if (meta.format !== FORMAT || meta.version !== VERSION || meta.sections.length !== DONE_SECTIONS.length)
    return undefined;
  if (metaEnd + 1 + meta.json + meta.sections.reduce((a, b) => a + b, 0) !== size) return undefined;
  const now = journalIdentity(journalPath, meta.journal.bytes);
  if (now === undefined || now.head !== meta.journal.head || now.tail !== meta.journal.tail) return undefined;
  let at = metaEnd + 1;
  const readInto = (into: Buffer) => {
    if (readSync(fd, into, 0, into.length, at) !== into.length) throw new RangeError('a checkpoint cut short');
    at += into.length;
  };
  const jsonBytes = Buffer.allocUnsafe(meta.json);
  readInto(jsonBytes);
  const json = JSON.parse(jsonBytes.toString('utf8')) as JsonPart;
  const done = DoneRecords.restore(json.done, (section, into) => {
    if (meta.sections[DONE_SECTIONS.indexOf(section)] !== into.length) throw new RangeError(`${section}: another size`);
    readInto(into);
  });
  return {
    header: json.header,
    target: json.target,
    done,
    inDoubt: new Map(json.inDoubt),
    attemptedAt: new Map(json.attemptedAt),
    updatesInDoubt: new Set(json.updatesInDoubt),
    failed: new Map(json.failed),
    decisions: new Map(json.decisions),
    runs: json.runs,
    tally: json.tally,
    rolledBack: new Map(json.rolledBack),
    removed: json.removed,
    idDefinition: json.idDefinition ?? undefined,
    sourceDefinition: json.sourceDefinition ?? undefined,
    clock: json.clock ?? undefined,
    events: json.events,
    repairedBytes: 0,
    position: { ...json.position, lastWrite: json.position.lastWrite ?? undefined },
    replayedFrom: json.position.bytes,
  };
}

/**
 * What identifies the journal up to `bytes`: a hash of its header line and of
 * the 64 KB before `bytes`. Undefined when the journal is shorter than that.
 */
function journalIdentity(journalPath: string, bytes: number): Meta['journal'] | undefined {
  const fd = openSync(journalPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (fstatSync(fd).size < bytes) return undefined;
    const read = (from: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, from));
    };
    const start = read(0, Math.min(bytes, TAIL_BYTES));
    const headerEnd = start.indexOf(10);
    const head = start.subarray(0, headerEnd < 0 ? start.length : headerEnd);
    const tailFrom = Math.max(0, bytes - TAIL_BYTES);
    const tail = read(tailFrom, bytes - tailFrom);
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('base64url');
    return { bytes, head: hash(head), tail: hash(tail) };
  } finally {
    closeSync(fd);
  }
}
