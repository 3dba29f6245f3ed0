import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, openPrivateFile, STATE_FILES, statePath } from './private-files.js';

/**
 * runs/<start>/: each import run keeps its own reports, as Salesforce Data
 * Loader keeps each run's success and error files. The files at the top of
 * the state directory are the latest run's; a rerun of failures.csv no longer
 * takes the first run's problems with it.
 */

/** The reports a run leaves that are its own: copied whole when this run wrote them. */
const RUN_FILES = ['failures', 'failedCards', 'droppedValues', 'review', 'conflicts', 'drift'] as const;

/** A run's folder name: its start time, with the colons Windows refuses in a name made dashes (2026-12-07T01-00-00.123Z). */
export const runFolderName = (startedAt: string): string => startedAt.replace(/:/g, '-');

/** The folder of the run that started then, relative to the state directory, as report.html links it. */
export const runFolderOf = (startedAt: string): string => `${STATE_FILES.runs}/${runFolderName(startedAt)}`;

/** The size deleted.csv has before a run: what that run appends after it is the run's own. */
export function deletedSizeBefore(stateDir: string): number {
  try {
    return statSync(statePath(stateDir, 'deleted')).size;
  } catch {
    return 0;
  }
}

/**
 * Copies this run's reports into runs/<start>/: each report written since the
 * run started (one left from an earlier run is not this run's), and the rows
 * this run added to deleted.csv under its header. Copies, not links: a person
 * may edit the file at the top in place.
 */
export function keepRunFiles(stateDir: string, startedAt: Date, deletedFrom: number, summaryJson: string): string[] {
  const folder = join(stateDir, runFolderOf(startedAt.toISOString()));
  ensurePrivateDir(join(stateDir, STATE_FILES.runs));
  ensurePrivateDir(folder);
  for (const file of RUN_FILES) {
    const path = statePath(stateDir, file);
    if (existsSync(path) && statSync(path).mtimeMs >= startedAt.getTime()) copyFileSync(path, statePath(folder, file));
  }
  copyTail(statePath(stateDir, 'deleted'), deletedFrom, statePath(folder, 'deleted'));
  const fd = openPrivateFile(statePath(folder, 'summary'), 'w');
  try {
    writeSync(fd, summaryJson);
  } finally {
    closeSync(fd);
  }
  return filesIn(folder);
}

/** A run folder's files, by name, its marker aside. */
const filesIn = (folder: string): string[] =>
  readdirSync(folder)
    .filter((f) => f !== STATE_FILES.marker)
    .sort();

/** deleted.csv's header line and the bytes after `from`, when there are any. */
function copyTail(path: string, from: number, to: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size <= from) return;
  const fd = openSync(path, 'r');
  try {
    const read = (start: number, length: number) => {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, start));
    };
    const head = read(0, Math.min(size, 64 * 1024));
    const header = head.subarray(0, head.indexOf(0x0a) + 1);
    const out = openPrivateFile(to, 'w');
    try {
      writeSync(out, header);
      // A fresh file's first run: its rows start right after the header.
      for (let at = Math.max(from, header.length); at < size; at += 1 << 20)
        writeSync(out, read(at, Math.min(1 << 20, size - at)));
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(fd);
  }
}

/** The files in each run's folder, by the run's start time (report.html links them). */
export function runFolderFiles(stateDir: string, startedAt: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const at of startedAt) {
    const folder = join(stateDir, runFolderOf(at));
    if (existsSync(folder)) out.set(at, filesIn(folder));
  }
  return out;
}
