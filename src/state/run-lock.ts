import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
  type Dirent,
} from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { JobAbortedError } from '../errors.js';
import type { Log } from '../log.js';
import { openPrivateFile, STATE_FILES, statePath } from './private-files.js';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** This run's own, so that a run knows its lock from one that took it over. */
  readonly token?: string;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockFile(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** A run on this host that is still going, or one on another host, whose process cannot be checked from here. */
const isLive = (held: LockInfo) => held.host !== hostname() || alive(held.pid);

/** A state directory's lock as status reports it. */
export type LockState =
  | { readonly held: false }
  | {
      readonly held: true;
      readonly pid: number;
      readonly host: string;
      readonly startedAt: string;
      readonly alive: boolean | 'unknown';
    };

/**
 * What a state directory's lock says, for status: free; held by a run that is
 * alive, gone, or on another host (its process cannot be checked from here);
 * or unreadable (torn by a crash).
 */
export function lockState(stateDir: string): LockState {
  const path = statePath(stateDir, 'lock');
  if (readText(path) === undefined) return { held: false };
  const held = readLockFile(path);
  if (held === undefined) return { held: true, pid: 0, host: '?', startedAt: '?', alive: 'unknown' };
  return {
    held: true,
    pid: held.pid,
    host: held.host,
    startedAt: held.startedAt,
    alive: held.host === hostname() ? alive(held.pid) : 'unknown',
  };
}

/** The lock of a run that is still going, or undefined. */
export function liveLock(stateDir: string): LockInfo | undefined {
  const held = readLockFile(statePath(stateDir, 'lock'));
  return held !== undefined && isLive(held) ? held : undefined;
}

/** A report being written (state/private-files.ts AtomicPrivateFile): NAME.PID.HEX.tmp. */
const TEMP = /^.+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * The temporary report files of processes that are gone (a kill -9 leaves
 * them; they hold contacts in clear), in the state directory and its dry-run
 * folders. A file of a process still alive on this machine (a dry run going
 * on) is left.
 */
export function removeStaleTemps(stateDir: string, log: Log): number {
  let removed = 0;
  const sweep = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && depth > 0 && (e.name === STATE_FILES.dryRun || /^check-\d+$/.test(e.name)))
        sweep(join(dir, e.name), depth - 1);
      const m = e.isFile() ? TEMP.exec(e.name) : null;
      if (m === null || alive(Number(m[1]))) continue;
      rmSync(join(dir, e.name), { force: true });
      removed++;
    }
  };
  sweep(stateDir, 2);
  // A workbook reader's folder per process (state/workbook-temp.ts): a gone process's goes whole.
  let folders: Dirent[];
  try {
    folders = readdirSync(join(stateDir, STATE_FILES.temp), { withFileTypes: true });
  } catch {
    folders = [];
  }
  for (const f of folders) {
    if (!f.isDirectory() || !/^\d+$/.test(f.name) || alive(Number(f.name))) continue;
    rmSync(join(stateDir, STATE_FILES.temp, f.name), { recursive: true, force: true });
    removed++;
  }
  if (removed > 0) log.info(`removed ${removed} half-written report file(s) that a killed run left in ${stateDir}`);
  return removed;
}

/**
 * One run per state directory. The lock file holds PID, host and a token of
 * the run's own; a second run is refused (exit 3). A lock left by a process
 * that no longer exists on this host is taken over, with a warning: it is
 * first renamed away (only one run can move a given file), checked to be the
 * very lock judged stale (a run that moved a fresh one puts it back), and
 * then the lock is made anew, whole, where none exists (createWhole). A lock
 * from another host is never taken over: its process cannot be checked from
 * here. Release removes the lock only if it is still this run's.
 */
export function acquireRunLock(stateDir: string, log: Log): () => void {
  const path = statePath(stateDir, 'lock');
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const release = () => {
    if (readLockFile(path)?.token === mine.token) rmSync(path, { force: true });
  };
  let tookOver: string | undefined;
  for (let tries = 0; tries < 5; tries++) {
    try {
      createWhole(path, `${JSON.stringify(mine)}\n`);
      if (tookOver !== undefined)
        log.warn(`took over the lock of a run that is no longer running (${tookOver})`, 'LOCK_TAKEN_OVER');
      // With the lock held: what a killed run left half-written goes (no run of this folder can be writing it).
      removeStaleTemps(stateDir, log);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const stale = readText(path);
    const held = readLockFile(path);
    if (held !== undefined && isLive(held)) {
      throw new JobAbortedError(
        'LOCK_HELD',
        `${stateDir} is in use by another run (pid ${held.pid} on ${held.host}, started ${held.startedAt})`,
        { hint: `wait for it to finish; if that process is gone from ${held.host}, delete ${path}` },
      );
    }
    const grave = `${path}.${mine.token}.stale`;
    try {
      renameSync(path, grave);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another run moved it first
      throw err;
    }
    if (readText(grave) === stale) {
      tookOver = held ? `pid ${held.pid}, started ${held.startedAt}` : 'unreadable lock file';
    } else {
      // A run that took over first had made its lock already: that one goes back.
      try {
        linkSync(grave, path);
      } catch {
        // Someone made a lock meanwhile: theirs stands.
      }
    }
    rmSync(grave, { force: true });
  }
  throw new JobAbortedError(
    'LOCK_HELD',
    `${stateDir}: could not take the run lock ${path}: other runs kept taking it`,
    { hint: 'let one run of this job at a time start; run the command again when they are done' },
  );
}

/**
 * Creates `path` with its whole content, or fails with EEXIST if it exists.
 * An O_EXCL create is visible empty before its write: a run taking over a
 * stale lock at that moment would judge it torn and take it too. A finished
 * file linked into place is never seen half-made. The temporary name is a
 * report's (NAME.PID.HEX.tmp), so a kill between the two steps leaves
 * nothing that removeStaleTemps does not sweep.
 */
function createWhole(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openPrivateFile(tmp, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    // A file system without hard links (FAT, some network shares): an O_EXCL create, the narrow window back.
    if (!NO_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
  } finally {
    rmSync(tmp, { force: true });
  }
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
