import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { JobAbortedError } from '../errors.js';
import type { Log } from '../log.js';
import { statePath } from '../report/private-files.js';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function alive(pid: number): boolean {
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

/** The lock of a run that is still going, or undefined. */
export function liveLock(stateDir: string): LockInfo | undefined {
  const held = readLockFile(statePath(stateDir, 'lock'));
  return held !== undefined && isLive(held) ? held : undefined;
}

/**
 * One run per state directory. The lock file holds PID and host; a second run
 * is refused (exit 3). A lock left by a process that no longer exists on this
 * host is taken over, with a warning. A lock from another host is never
 * taken over: its process cannot be checked from here.
 */
export function acquireRunLock(stateDir: string, log: Log): () => void {
  const path = statePath(stateDir, 'lock');
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(path, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLockFile(path);
    if (held !== undefined && isLive(held)) {
      throw new JobAbortedError(
        'LOCK_HELD',
        `${stateDir} is in use by another run (pid ${held.pid} on ${held.host}, started ${held.startedAt}). Wait for it to finish, or if that process is gone from ${held.host}, delete ${path}.`,
      );
    }
    log.warn(`taking over the lock of a run that is no longer running (${held ? `pid ${held.pid}, started ${held.startedAt}` : 'unreadable lock file'})`);
    rmSync(path, { force: true });
  }
  throw new JobAbortedError('LOCK_HELD', `${stateDir}: could not take the run lock ${path}`);
}
