import { existsSync } from 'node:fs';
import { JournalWriter } from '../journal/journal-writer.js';
import type { ImportError } from '../errors.js';
import type { Log } from '../log.js';
import { statePath } from '../state/private-files.js';
import { acquireRunLock } from '../state/run-lock.js';

/**
 * A run of a job that has a journal, refused before it read a record (its
 * input's header no longer fits the config, a review saved where its decisions
 * are not read, an input that cannot be opened): its start and its end go in
 * the journal, with why and what to do, so `status` tells a night that did
 * nothing from the night before it. Written under the run's lock only:
 * another run may be writing the journal. The end carries no counts: such a
 * run never counts as a read of the export (delete-missing.ts, review-decisions.ts).
 */
export function journalRefusedRun(journalPath: string, input: string, startedAt: Date, err: ImportError): void {
  const journal = new JournalWriter(journalPath, undefined);
  try {
    journal.append({ t: 'run', event: 'start', at: startedAt.toISOString(), pid: process.pid, input });
    journal.append({
      t: 'run',
      event: 'end',
      at: new Date().toISOString(),
      pid: process.pid,
      exitCode: err.exitCode,
      aborted: `${err.message} [${err.code}]`,
      ...(err.hint !== undefined && { hint: err.hint }),
    });
  } finally {
    journal.close();
  }
}

/**
 * An import refused before its job began (the CLI's checks: the config, the
 * flags, the key): journaled as journalRefusedRun does, when the state
 * directory holds a job and its lock is free. A run holding it is the job's
 * news; a journal that cannot be written leaves the refusal itself to say.
 */
export function journalRefusalBeforeJob(
  stateDir: string,
  input: string,
  startedAt: Date,
  err: ImportError,
  log: Log,
): void {
  const journalPath = statePath(stateDir, 'journal');
  if (!existsSync(journalPath)) return;
  let release: () => void;
  try {
    release = acquireRunLock(stateDir, log);
  } catch {
    return;
  }
  try {
    journalRefusedRun(journalPath, input, startedAt, err);
  } catch {
    // The refusal is what the person must hear; the error below says it.
  } finally {
    release();
  }
}
