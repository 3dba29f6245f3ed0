import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, STATE_FILES } from './private-files.js';

/**
 * Where exceljs parks a sheet stored before its shared strings (through the
 * tmp package, which asks os.tmpdir(), that is $TMPDIR, for each file): a
 * folder of this process's inside the state directory (0700), never the OS
 * temp folder, where a kill -9 would leave contacts in clear for good. It is
 * removed when the run ends; a run that takes the lock removes the folders of
 * processes that are gone (run-lock.ts). Returns the function that restores
 * $TMPDIR and removes the folder.
 */
export function workbookTemp(stateDir: string): () => void {
  ensurePrivateDir(stateDir);
  const dir = join(stateDir, STATE_FILES.temp, String(process.pid));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * workbookTemp for a run that may yet be refused before the state directory
 * is a job's (its input's header, a failure report out of its job): `undo`
 * restores $TMPDIR and removes the state directory too when it was made for
 * this, so a refused first run leaves nothing beside its input.
 */
export function workbookTempOnTrial(stateDir: string): { readonly restore: () => void; readonly undo: () => void } {
  const made = !existsSync(stateDir);
  const restore = workbookTemp(stateDir);
  return {
    restore,
    undo: () => {
      restore();
      if (made) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
