import type { CustomFieldType } from '../api/contract.js';
import type { Config } from '../config/schema.js';
import { EXTERNAL_ID_MAX } from '../api/contract.js';
import { guessCountry } from './guess-country.js';
import { EMAIL_COLUMNS, GOOGLE_SPLIT, ID_COLUMNS, NAME_COLUMNS, normalizeName, PHONE_COLUMNS, type KnownLabelledColumn, type NameField } from './known-columns.js';

export interface InitInput {
  readonly header: readonly string[];
  readonly sample: readonly (readonly string[])[];
  readonly delimiter: string;
  readonly encoding: string;
  /** Path to config.schema.json as the written config should refer to it. */
  readonly schemaPath?: string;
  /** The workspace's custom fields, when an API key was given. */
  readonly customFields?: readonly { name: string; key: string; type: CustomFieldType }[];
}

export interface InitResult {
  readonly config: Config;
  /** Why each choice was made, for the person who reads the config next. */
  readonly notes: readonly string[];
  readonly unmapped: readonly string[];
}

/** Pure: a header and a sample of records → a working mapping config. */
export function buildConfig(input: InitInput): InitResult {
  const notes: string[] = [];
  const byNorm = new Map(input.header.map((h) => [normalizeName(h), h]));
  const find = (name: string) => byNorm.get(normalizeName(name));
  const used = new Set<string>();
  const values = (column: string) => {
    const i = input.header.indexOf(column);
    return input.sample.map((r) => (r[i] ?? '').trim());
  };
  const commonest = (column: string) => {
    const counts = new Map<string, number>();
    for (const v of values(column)) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  };
  const splitOf = (column: string) => (values(column).some((v) => v.includes(GOOGLE_SPLIT)) ? GOOGLE_SPLIT : undefined);

  const defaultFields: Config['defaultFields'] = {};
  for (const field of Object.keys(NAME_COLUMNS) as NameField[]) {
    const column = NAME_COLUMNS[field].map(find).find((c) => c !== undefined && !used.has(c));
    // Outlook's "Title" is Mr./Ms.: a role only when its values do not look like salutations.
    if (column === undefined || (field === 'role' && normalizeName(column) === 'title' && values(column).some((v) => /^(mr|mrs|ms|miss|dr|prof)\.?$/i.test(v)))) continue;
    defaultFields[field] = column;
    used.add(column);
  }

  const emptyKnown: string[] = [];
  const labelled = (known: readonly KnownLabelledColumn[]) => {
    const out: { name: string; column: string; split?: string }[] = [];
    for (const k of known) {
      const column = find(k.column);
      if (column === undefined || used.has(column)) continue;
      used.add(column);
      // A column the export always has but this file never fills (Outlook's Car Phone) is left out.
      if (values(column).every((v) => v === '')) {
        emptyKnown.push(column);
        continue;
      }
      const labelColumn = k.labelColumns?.map(find).find((c) => c !== undefined);
      if (labelColumn) used.add(labelColumn);
      const label = labelColumn ? commonest(labelColumn)?.replace(/^\*\s*/, '').split(GOOGLE_SPLIT)[0]?.toLowerCase() : undefined;
      const split = splitOf(column);
      out.push({ name: label ?? k.name, column, ...(split && { split }) });
    }
    return out;
  };
  const emails = labelled(EMAIL_COLUMNS);
  const phones = labelled(PHONE_COLUMNS);
  if (emails.length > 0) defaultFields.emails = emails;
  if (phones.length > 0) defaultFields.phoneNumbers = phones;

  const externalId = chooseExternalId(input, find, values, used, notes, emails);

  let phone: Config['phone'];
  const phoneValues = phones.flatMap((p) => values(p.column).flatMap((v) => v.split(GOOGLE_SPLIT)));
  if (phoneValues.some(Boolean)) {
    const guess = guessCountry(phoneValues);
    notes.push(`phone.defaultCountry: ${guess.country ?? '(none)'}: ${guess.why}`);
    if (guess.country) phone = { defaultCountry: guess.country };
  }

  const customFields: NonNullable<Config['customFields']> = [];
  if (input.customFields) {
    const fields = new Map<string, { name: string; key: string; type: CustomFieldType }>();
    for (const f of input.customFields) {
      fields.set(normalizeName(f.name), f);
      fields.set(normalizeName(f.key), f);
    }
    for (const column of input.header) {
      if (used.has(column)) continue;
      const f = fields.get(normalizeName(column));
      if (f === undefined || customFields.some((c) => c.key === f.key)) continue;
      used.add(column);
      const entry = f.type === 'multi-select' ? { key: f.key, type: f.type, column, split: splitOf(column) ?? ';' } : { key: f.key, type: f.type, column };
      customFields.push(entry as NonNullable<Config['customFields']>[number]);
      notes.push(`customFields: column ${JSON.stringify(column)} → the workspace's field "${f.key}" (${f.type}, "${f.name}")${f.type === 'date' ? '; check "format" and "timezone" against the dates in the file' : ''}`);
    }
  }

  if (emptyKnown.length > 0) notes.push(`left out, empty in the sample: ${emptyKnown.map((c) => JSON.stringify(c)).join(', ')}`);
  const unmapped = input.header.filter((h) => !used.has(h) && h.trim() !== '');
  const config: Config = {
    ...(input.schemaPath !== undefined && { $schema: input.schemaPath }),
    externalId,
    // A name of the import's own ("csv" and "openphone…" are reserved by the API).
    source: 'file-import',
    defaultFields,
    ...(customFields.length > 0 && { customFields }),
    ...(phone && { phone }),
    csv: { delimiter: input.delimiter, encoding: input.encoding },
  };
  return { config, notes, unmapped };
}

function chooseExternalId(
  input: InitInput,
  find: (name: string) => string | undefined,
  values: (column: string) => string[],
  used: Set<string>,
  notes: string[],
  emails: readonly { column: string; split?: string }[],
): Config['externalId'] {
  const usable = (column: string) => {
    const v = values(column);
    const filled = v.filter(Boolean);
    return filled.length === v.length && new Set(filled).size === filled.length && filled.every((x) => x.length <= EXTERNAL_ID_MAX);
  };
  for (const name of ID_COLUMNS) {
    const column = find(name);
    if (column !== undefined && usable(column)) {
      used.add(column);
      notes.push(`externalId: column ${JSON.stringify(column)}: the export's own record id, filled and unique in the sample`);
      return { column };
    }
  }
  const email = emails.find((e) => e.split === undefined && usable(e.column));
  if (email) {
    notes.push(`externalId: column ${JSON.stringify(email.column)}: the export has no id column; this email is filled and unique in the sample. A contact whose email changes in a later export would be imported again.`);
    return { column: email.column };
  }
  const parts = ['First Name', 'Last Name', ...emails.map((e) => e.column)].map(find).filter((c): c is string => c !== undefined).slice(0, 3);
  notes.push(
    `externalId: template over ${parts.map((p) => JSON.stringify(p)).join(', ') || 'no column'}: the export has no id column and no filled, unique email. A record with one of these empty fails with EXTERNAL_ID_MISSING; add an id column to the export if you can.`,
  );
  return { template: parts.map((p) => `{${p.replace(/[{}]/g, (b) => b + b)}}`).join('|') || '{ID}' };
}
