import type { ValueSource } from '../config/resolved.js';
import { UsageError } from '../errors.js';
import type { JournalHeader } from './events.js';

/**
 * The externalId's definition as the journal keeps it and a person reads it:
 * `column "Record ID"`, `template "crm-{Record ID}"`. A template's id also
 * depends on allowEmpty and on the split of each column it names (a
 * multi-value cell gives its first value): they are part of it, so a hint
 * followed (add "split" to the e-mail column) cannot change ids unseen.
 */
export function describeExternalId(source: ValueSource): string {
  if (source.kind === 'column') return `column ${JSON.stringify(source.column)}`;
  const splits = source.parts.flatMap((p) => ('column' in p && p.split !== undefined ? [`{${p.column}} split ${JSON.stringify(p.split)}`] : []));
  return [`template ${JSON.stringify(source.template)}`, ...(source.allowEmpty ? ['allowEmpty'] : []), ...splits].join(', ');
}

/** A definition recorded by a version that kept only a template's text: the text is all it can be compared on. */
const textOnly = (definition: string) => /^template "(?:[^"\\]|\\.)*"$/.test(definition);

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
  if (textOnly(then) && (current === then || current.startsWith(`${then}, `))) return;
  throw new UsageError(
    'EXTERNAL_ID_CHANGED',
    `${configFile}: externalId: found ${current}, but this job (${journalPath}) identified its records by ${then}. ` + `Every record would get a new externalId, match nothing already done, and be created again; nothing was sent`,
    { hint: `to continue this job, set externalId back to ${then}; to import with the new ids on purpose, start a new job: add --state-dir with a new folder` },
  );
}
