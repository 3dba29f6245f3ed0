import type { TextSource, ValueSource } from '../config/resolved.js';
import { DEFAULT_SOURCE } from '../api/contract.js';
import type { TemplatePart } from '../config/template.js';
import { UsageError } from '../errors.js';

/**
 * The externalId's definition as the journal keeps it and a person reads it:
 * `column "Record ID"`, `template "crm-{Record ID}"`. A template's id also
 * depends on allowEmpty and on the split of each column it names (a
 * multi-value cell gives its first value): they are part of it, so a hint
 * followed (add "split" to the e-mail column) cannot change ids unseen.
 */
export function describeExternalId(source: ValueSource): string {
  if (source.kind === 'column') return `column ${JSON.stringify(source.column)}`;
  const splits = source.parts.flatMap((p) =>
    'column' in p && p.split !== undefined ? [`{${p.column}} split ${JSON.stringify(p.split)}`] : [],
  );
  return [`template ${JSON.stringify(source.template)}`, ...(source.allowEmpty ? ['allowEmpty'] : []), ...splits].join(
    ', ',
  );
}

const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;

/** A template's definition read back: its text, allowEmpty and the split of each column; undefined for a column. */
function parseTemplateDefinition(
  definition: string,
): { template: string; allowEmpty: boolean; splits: Map<string, string> } | undefined {
  const head = new RegExp(`^template (${QUOTED})`).exec(definition);
  if (head === null) return undefined;
  const rest = definition.slice(head[0].length);
  const splits = new Map<string, string>();
  for (const m of rest.matchAll(new RegExp(`, \\{(.*?)\\} split (${QUOTED})`, 'g')))
    splits.set(m[1]!, JSON.parse(m[2]!) as string);
  return { template: JSON.parse(head[1]!) as string, allowEmpty: /^, allowEmpty(,|$)/.test(rest), splits };
}

/** What the journal's definition and the config's have to do with each other. */
export type IdentityVerdict =
  | { readonly kind: 'same' }
  /**
   * The same template, read with other splits or allowEmpty (or a journal too
   * old to say which): the ids change only for records whose cells these touch,
   * so the records themselves decide (job/input-passes.ts changedIds).
   */
  | { readonly kind: 'recheck'; readonly old: ValueSource; readonly then: string; readonly now: string };

/**
 * The journal's "done" is by externalId: if the config now builds externalIds
 * another way (a column became `crm-{Record ID}`), no record matches what was
 * done and every contact would be created again. A different column or
 * template stops the run before sending (exit 2); the same template under
 * other splits or allowEmpty is rechecked record by record.
 */
export function checkExternalIdDefinition(
  then: string | undefined,
  now: ValueSource,
  journalPath: string,
  configFile: string,
): IdentityVerdict {
  const current = describeExternalId(now);
  if (then === undefined || then === current) return { kind: 'same' };
  const before = parseTemplateDefinition(then);
  if (before !== undefined && now.kind === 'template' && before.template === now.template) {
    const parts = now.parts.map((p): TemplatePart =>
      'column' in p
        ? { column: p.column, ...(before.splits.has(p.column) && { split: before.splits.get(p.column)! }) }
        : p,
    );
    return {
      kind: 'recheck',
      old: { kind: 'template', template: now.template, parts, allowEmpty: before.allowEmpty },
      then,
      now: current,
    };
  }
  throw new UsageError(
    'EXTERNAL_ID_CHANGED',
    `${configFile}: externalId: found ${current}, but this job (${journalPath}) identified its records by ${then}. ` +
      `Every record would get a new externalId, match nothing already done, and be created again; nothing was sent`,
    {
      hint: `to continue this job, set externalId back to ${then}; to import with the new ids on purpose, start a new job: add --state-dir with a new folder`,
    },
  );
}

/** Records the job finished whose id the config now makes another: found by the recheck, refused before anything is sent. */
export function idsChangedError(
  verdict: Extract<IdentityVerdict, { kind: 'recheck' }>,
  changed: readonly { line: number; from: string; to: string }[],
  total: number,
  journalPath: string,
  configFile: string,
): UsageError {
  const examples = changed.map((c) => `line ${c.line}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; ');
  return new UsageError(
    'EXTERNAL_ID_CHANGED',
    `${configFile}: externalId: this job (${journalPath}) identified its records by ${verdict.then}; the config now reads ${verdict.now}, which gives ${total} record(s) the job finished a new externalId (${examples}${total > changed.length ? '; …' : ''}). Each would be created a second time; nothing was sent`,
    {
      hint: 'to split those cells for the contact but keep the ids, add "split": false to externalId (the id reads its cells whole); or remove the new "split" or allowEmpty; to import with the new ids on purpose, start a new job with a new --state-dir',
    },
  );
}

/** The contacts' source as the journal keeps it: what, beside the externalId, identifies a contact. */
export function describeSource(source: TextSource | undefined): string {
  if (source === undefined) return `${JSON.stringify(DEFAULT_SOURCE)} (the API's default)`;
  return source.kind === 'constant' ? JSON.stringify(source.value) : `template ${JSON.stringify(source.template)}`;
}

/**
 * A contact is identified by its source and externalId (the dated API's 409
 * says "same source and external ID"; lookups find another integration's
 * contacts by the same id). A job whose source changes would no longer know
 * its contacts as its own: refused before anything is sent (exit 2).
 */
export function checkSource(
  then: string | undefined,
  now: TextSource | undefined,
  journalPath: string,
  configFile: string,
): void {
  const current = describeSource(now);
  if (then === undefined || then === current) return;
  throw new UsageError(
    'SOURCE_CHANGED',
    `${configFile}: source: found ${current}, but this job (${journalPath}) gave its contacts the source ${then}. A contact is its source and externalId: with another source the job would not find its own contacts, and would make them again beside them; nothing was sent`,
    {
      hint: `to continue this job, set source back to ${then}; to give the contacts another source, roll this job back and start a new one with a new --state-dir`,
    },
  );
}
