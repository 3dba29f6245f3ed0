import type { ValueSource } from '../config/resolved.js';
import { UsageError } from '../errors.js';
import type { JournalHeader } from './events.js';

/** The externalId's definition as the journal keeps it and a person reads it: `column "Record ID"`, `template "crm-{Record ID}"`. */
export function describeExternalId(source: ValueSource): string {
  return source.kind === 'template' ? `template ${JSON.stringify(source.template)}` : `column ${JSON.stringify(source.column)}`;
}

/**
 * The journal's "done" is by externalId: if the config now builds externalIds
 * another way (a column became `crm-{Record ID}`), no record matches what was
 * done and every contact would be created again. Stops before sending (exit 2).
 * A journal written before the definition was recorded is not checked.
 */
export function checkExternalIdDefinition(header: JournalHeader | undefined, now: ValueSource, journalPath: string, configFile: string): void {
  const then = header?.externalIdDefinition;
  const current = describeExternalId(now);
  if (then === undefined || then === current) return;
  throw new UsageError(
    'EXTERNAL_ID_CHANGED',
    `${configFile}: externalId: found ${current}, but this job (${journalPath}) identified its records by ${then}. ` +
      `Every record would get a new externalId, match nothing already done, and be created again; nothing was sent.\n` +
      `  to continue this job, set externalId back to ${then}\n` +
      `  to import with the new ids on purpose, start a new job: add --state-dir with a new folder`,
  );
}
