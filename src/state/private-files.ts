import {
  fsyncSync,
  closeSync,
  constants,
  existsSync,
  readFileSync,
  readSync,
  writeSync,
  createWriteStream,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  chmodSync,
  type WriteStream,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { JobAbortedError, UsageError } from '../errors.js';
import { shellQuote } from '../util/shell-quote.js';

/**
 * The one owner of how the state directory and its files are made. Everything
 * the job writes holds personal data, and a state directory may sit in a
 * shared folder where someone else could plant a link or pre-create it:
 * - the directory is the user's own, writable by nobody else, and either empty
 *   or a state directory already (never some other folder, which is neither
 *   changed nor written into);
 * - files are opened without following a symbolic link (O_NOFOLLOW), temp files
 *   are created exclusively under a name no one can guess, and the mode is set
 *   on the open descriptor (0600), not on a path that could be swapped.
 */

/** The journal's first line carries this format tag: what marks a folder with a journal as this tool's state directory. */
export const JOURNAL_FORMAT = 'openphone-import-journal';

/** Every file and folder name of a state directory: named here once. */
export const STATE_FILES = {
  journal: 'journal.jsonl',
  /** The journal's fold up to a point, so a start replays only the lines after it (journal/checkpoint.ts). */
  checkpoint: 'journal.checkpoint',
  lock: 'lock',
  summary: 'summary.json',
  failures: 'failures.csv',
  /** A vCard input's failed cards, as read, with their reasons: the input of a rerun. */
  failedCards: 'failures.vcf',
  created: 'created.csv',
  droppedValues: 'dropped-values.csv',
  reportHtml: 'report.html',
  /** A rollback's report and summary; rollback.jsonl is where an earlier version kept its outcomes (read, never written: journal events now). */
  rollbackLog: 'rollback.jsonl',
  rollbackReport: 'rollback.csv',
  rollbackSummary: 'rollback-summary.json',
  /** Where an earlier version kept each contact the job PATCHed but did not make, as it was before (read, never written: journal events now). */
  prior: 'prior.jsonl',
  /** Records that match contacts the job may not adopt on its own (several, or another source's). */
  review: 'review.csv',
  /** Fields both the source and the workspace changed since the job last wrote them. */
  conflicts: 'conflicts.csv',
  /** run --verify: the job's contacts changed in the app since the job wrote them. */
  drift: 'drift.csv',
  /** --delete-missing: each contact, as it was, before its DELETE. */
  deleted: 'deleted.csv',
  deleteLog: 'deleted.jsonl',
  /** A dry run with --delete-missing: the contacts the import would delete or release. */
  wouldDelete: 'would-delete.csv',
  payloads: 'payloads.jsonl',
  /** Per process, what a workbook's reader parks while it reads (state/workbook-temp.ts). */
  temp: 'tmp',
  /** Each import run's own reports, in a folder named by its start time (state/run-folders.ts). */
  runs: 'runs',
  /** A dry run's reports: never over an import's. */
  dryRun: 'dry-run',
  /** Says a folder is this tool's state directory (or its dry-run/): written when the tool makes or first takes it. */
  marker: '.openphone-import',
} as const;

const MARKER_TEXT = `${JSON.stringify({ format: 'openphone-import-state', version: 1 })}\n`;

/**
 * Whether a folder that holds files is this tool's: its marker, or (a state
 * directory of a version before the marker) a journal whose first line is
 * this tool's header, or a dry-run/ whose summary.json is a dry run's. A
 * summary.json, a report.html or a file named lock alone prove nothing.
 */
function isToolsFolder(dir: string, entries: readonly string[]): boolean {
  const read = (path: string, bytes = 4096) => {
    try {
      const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
      try {
        const buf = Buffer.alloc(bytes);
        return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0));
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  };
  for (const name of [STATE_FILES.marker, STATE_FILES.journal]) {
    if (entries.includes(name) && lstatSync(join(dir, name)).isSymbolicLink()) throw linkRefused(join(dir, name));
  }
  if (entries.includes(STATE_FILES.marker) && read(join(dir, STATE_FILES.marker)) === MARKER_TEXT) return true;
  if (entries.includes(STATE_FILES.journal)) {
    try {
      const first = JSON.parse(read(join(dir, STATE_FILES.journal)).split('\n', 1)[0] ?? '') as {
        t?: unknown;
        format?: unknown;
      };
      if (first.t === 'header' && first.format === JOURNAL_FORMAT) return true;
    } catch {
      // Not this tool's journal.
    }
  }
  const summary = entries.includes(STATE_FILES.summary) ? read(join(dir, STATE_FILES.summary), 65536) : '';
  if (/"mode": "dry-run"/.test(summary) && dir.endsWith(STATE_FILES.dryRun)) return true;
  return (
    entries.includes(STATE_FILES.dryRun) &&
    isToolsFolder(join(dir, STATE_FILES.dryRun), safeReaddir(join(dir, STATE_FILES.dryRun)))
  );
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function writeMarker(dir: string): void {
  const fd = openPrivateFile(join(dir, STATE_FILES.marker), 'w');
  try {
    writeSync(fd, MARKER_TEXT);
  } finally {
    closeSync(fd);
  }
}

/** The path of a state file. */
export const statePath = (dir: string, file: keyof typeof STATE_FILES): string => join(dir, STATE_FILES[file]);

const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_NOFOLLOW } = constants;

export function ensurePrivateDir(dir: string): void {
  let existing;
  try {
    existing = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing === undefined) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeMarker(dir);
    return;
  }
  // A link to a folder is followed (a state directory on another disk), but what it points to must pass the same checks.
  const st = existing.isSymbolicLink() ? statSync(dir) : existing;
  if (!st.isDirectory())
    throw new UsageError('STATE_DIR_NOT_A_DIRECTORY', `--state-dir ${dir}: found a file, not a folder`, {
      hint: 'name a new or empty folder',
    });
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new UsageError(
      'STATE_DIR_NOT_OWNED',
      `--state-dir ${dir}: the folder belongs to user id ${st.uid}, not to you (${uid}); someone else could read or change this job's state`,
      { hint: 'use a folder of your own (e.g. in your home directory), or remove this one' },
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new UsageError(
      'STATE_DIR_SHARED',
      `--state-dir ${dir}: the folder is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): another user could plant files in it`,
      { hint: `use a folder of your own, or run: chmod 700 ${shellQuote(dir)}` },
    );
  }
  const entries = readdirSync(dir);
  if (entries.length > 0 && !isToolsFolder(dir, entries)) {
    throw new UsageError(
      'STATE_DIR_FOREIGN',
      `--state-dir ${dir}: the folder holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}) and no openphone-import job; nothing was written`,
      { hint: 'name a new or empty folder' },
    );
  }
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  if (!entries.includes(STATE_FILES.marker)) writeMarker(dir);
}

const linkRefused = (path: string) =>
  new UsageError('STATE_FILE_LINK', `${path} is a symbolic link: refused (it could point anywhere)`, {
    hint: 'remove it; openphone-import makes its own files',
  });

/** Opens a state file for writing without following a link; 0600 set on the descriptor. */
export function openPrivateFile(path: string, flags: 'w' | 'a' | 'wx' | 'r+'): number {
  const bits =
    flags === 'r+'
      ? O_RDWR | O_NOFOLLOW
      : O_WRONLY | O_CREAT | O_NOFOLLOW | (flags === 'a' ? O_APPEND : flags === 'wx' ? O_EXCL : O_TRUNC);
  let fd: number;
  try {
    fd = openSync(path, bits, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw linkRefused(path);
    throw err;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new UsageError('STATE_FILE_NOT_A_FILE', `${path} is not a regular file: refused`, {
      hint: 'remove it; openphone-import makes its own files',
    });
  }
  fchmodSync(fd, 0o600);
  return fd;
}

/** Where the tool notes the size and time of a report a person may edit, as it wrote it: `.NAME.written` beside it. */
const writtenMark = (path: string) => join(dirname(path), `.${basename(path)}.written`);

/** Whether a report the tool wrote was changed since (a person edited it); false when the tool never noted it (an older version's). */
function editedSinceWritten(path: string): boolean {
  let now: { size: number; mtimeMs: number };
  let then: { size?: unknown; mtimeMs?: unknown };
  try {
    now = statSync(path);
    then = JSON.parse(readFileSync(writtenMark(path), 'utf8')) as typeof then;
  } catch {
    return false;
  }
  return then.size !== now.size || then.mtimeMs !== now.mtimeMs;
}

/** A free name beside `path` that says it is the person's edited copy: failures.edited-2026-12-07T08-20-00.csv. */
function editedName(path: string): string {
  const ext = extname(path);
  const stem = join(
    dirname(path),
    `${basename(path, ext)}.edited-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}`,
  );
  for (let n = 1; ; n++) {
    const candidate = `${stem}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!existsSync(candidate)) return candidate;
  }
}

/** Writes to a fresh temp file beside `path` and renames it into place, so a reader never sees half a report. */
export class AtomicPrivateFile {
  readonly tmp: string;
  readonly stream: WriteStream;
  private readonly fd: number;
  private failed: Error | undefined;
  /**
   * `keepEdits`: a report a person is told to edit (failures.csv, review.csv):
   * one edited since the tool wrote it is never written over; it is moved
   * aside under a name that says so, and `keepEdits` hears where.
   */
  constructor(
    readonly path: string,
    private readonly keepEdits?: (aside: string) => void,
  ) {
    // A name of its own per writer: two runs (a dry run beside an import) never share a temp file.
    this.tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    this.fd = openPrivateFile(this.tmp, 'wx');
    // The descriptor stays open after the last write: it is fsynced before the rename (commit).
    this.stream = createWriteStream(this.tmp, { fd: this.fd, autoClose: false });
    this.stream.on('error', (err) => (this.failed ??= err));
  }
  /**
   * Resolves once the file has taken what it was given: writers await it so a
   * million rows cannot fill memory faster than the disk drains.
   */
  async pace(): Promise<void> {
    if (this.failed) throw reportError(this.path, this.failed);
    // An error (a full disk) ends the wait too; it is reported below as the report's, not as a bug.
    if (this.stream.writableNeedDrain) await drainedOrFailed(this.stream);
    if (this.failed) throw reportError(this.path, this.failed);
  }
  /**
   * Everything written reaches the disk (written, fsynced), then the file
   * takes the report's name; or it throws (a full disk) and the old file stays
   * as it was. The end callback gets a write's error before the stream's
   * 'error' event fires: it is taken from there, never missed.
   */
  async commit(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.end((err?: Error | null) => {
        if (err) this.failed ??= err;
        resolve();
      });
    });
    if (!this.failed) {
      try {
        fsyncSync(this.fd);
      } catch (err) {
        this.failed = err as Error;
      }
    }
    this.close();
    if (this.failed) {
      rmSync(this.tmp, { force: true });
      throw reportError(this.path, this.failed);
    }
    if (this.keepEdits !== undefined && editedSinceWritten(this.path)) {
      const aside = editedName(this.path);
      renameSync(this.path, aside);
      this.keepEdits(aside);
    }
    renameSync(this.tmp, this.path);
    if (this.keepEdits !== undefined) {
      const { size, mtimeMs } = statSync(this.path);
      const fd = openPrivateFile(writtenMark(this.path), 'w');
      try {
        writeSync(fd, JSON.stringify({ size, mtimeMs }));
      } finally {
        closeSync(fd);
      }
    }
  }
  /**
   * This run has nothing for the report: the temp file goes, and so does the
   * last run's file, if the tool wrote it and nobody edited it since (a stale
   * list would speak of rows this run no longer has); an edited one stays.
   */
  dropWhenEmpty(): void {
    this.discard();
    if (!existsSync(this.path) || !existsSync(writtenMark(this.path)) || editedSinceWritten(this.path)) return;
    rmSync(this.path, { force: true });
    rmSync(writtenMark(this.path), { force: true });
  }

  /** Gives the file up (the run failed): the temp file goes, the report already in place stays. */
  discard(): void {
    this.stream.destroy();
    this.close();
    rmSync(this.tmp, { force: true });
  }
  /** Closes the descriptor unless the stream did: a stream that is destroyed (an error, discard) closes it and sets its fd to null. */
  private close(): void {
    if ((this.stream as unknown as { fd: number | null }).fd === null) return;
    (this.stream as unknown as { fd: number | null }).fd = null;
    closeSync(this.fd);
  }
}

/** Resolves at the stream's next 'drain' or 'error', whichever comes first, leaving no listener behind. */
function drainedOrFailed(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

/** A report that could not be written whole: the user's disk, not a bug. */
export class ReportWriteError extends JobAbortedError {}

/** Why a write failed, in words: a full disk or quota, else the system's code. */
export function writeFailure(err: NodeJS.ErrnoException): string {
  return err.code === 'ENOSPC'
    ? 'the disk is full'
    : err.code === 'EDQUOT'
      ? 'the disk quota is used up'
      : (err.code ?? err.message);
}

function reportError(path: string, err: Error): ReportWriteError {
  const why = writeFailure(err);
  return new ReportWriteError(
    'REPORT_WRITE_FAILED',
    `could not write ${basename(path)} in full (${path}): ${why}. The reports already there were left as they were`,
    { hint: 'free some space, then run the same command again' },
  );
}

/** Writes a whole small file privately and atomically. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const file = new AtomicPrivateFile(path);
  file.stream.write(content);
  await file.commit();
}
