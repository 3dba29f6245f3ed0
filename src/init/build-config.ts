import type { CustomFieldType } from '../api/contract.js';
import type { Config } from '../config/schema.js';
import { isScientificNumber, phoneFromNumberCell } from '../mapping/map-record.js';
import { EXTERNAL_ID_MAX } from '../api/contract.js';
import { UsageError } from '../errors.js';
import { countryFromText } from '../mapping/country-names.js';
import { toE164 } from '../mapping/transforms/phone.js';
import { GOOGLE_SPLIT } from '../mapping/transforms/split.js';
import { parsePhoneNumber, type CountryCode } from '../phone/phone-metadata.js';
import { guessCountry } from './guess-country.js';
import { inferBooleanWords, inferDateFormat, inferDecimalSeparator } from '../mapping/infer-formats.js';
import {
  COUNTRY_COLUMNS,
  EMAIL_COLUMNS,
  ID_COLUMNS,
  NAME_COLUMNS,
  OWNER_COLUMNS,
  STRICT_ID_COLUMNS,
  normalizeName,
  PHONE_COLUMNS,
  type KnownLabelledColumn,
  type NameField,
} from './known-columns.js';

export interface InitInput {
  readonly header: readonly string[];
  readonly sample: readonly (readonly string[])[];
  readonly delimiter: string;
  readonly encoding: string;
  /** A workbook's sample cells stored as numbers, by column: a phone there has lost its + or leading 0 and is never sent. */
  readonly numberCells?: ReadonlyMap<string, ReadonlySet<string>>;
  /** A workbook has no delimiter or encoding; default csv. */
  readonly format?: 'csv' | 'xlsx' | 'vcard';
  /** The line the header is on, when notes come before it. */
  readonly headerLine?: number;
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
  /** A few of the sample's phone numbers as they will be sent: `(415) 555-0199 → +1 415 555 0199 (US)`. */
  readonly conversions: readonly string[];
}

type Labelled = { name: string; nameColumn?: string; column: string; split?: string };

/** A column a config names by its place among those of one name: "Phone (2)". */
const REPEATED_NAME = /^(.*) \(\d+\)$/s;

/** The header and the sample, with the columns init has used so far. */
class Sample {
  readonly used = new Set<string>();
  private readonly byNorm: Map<string, string>;

  constructor(readonly input: InitInput) {
    this.byNorm = new Map(input.header.map((h) => [normalizeName(h), h] as const).reverse());
  }

  find(name: string): string | undefined {
    return this.byNorm.get(normalizeName(name)) ?? this.findAll(name)[0];
  }

  /** Every column named `name`, a repeat of it ("Phone (2)": the header's second "Phone", csv/header.ts) included. */
  findAll(name: string): string[] {
    const want = normalizeName(name);
    return this.input.header.filter(
      (h) => normalizeName(h) === want || normalizeName(h.replace(REPEATED_NAME, '$1')) === want,
    );
  }

  /** The first of `names` the header has, not used yet. */
  firstOf(names: readonly string[]): string | undefined {
    return names.map((n) => this.find(n)).find((c) => c !== undefined && !this.used.has(c));
  }

  values(column: string): string[] {
    const i = this.input.header.indexOf(column);
    return this.input.sample.map((r) => (r[i] ?? '').trim());
  }

  commonest(column: string): string | undefined {
    const counts = new Map<string, number>();
    for (const v of this.values(column)) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  /**
   * The separator of a column's multi-value cells: Google's " ::: ", or, for
   * an email or phone column (`looksLike` tells a value of it), a ";", "," or
   * "|" when every sampled cell that holds one splits into such values
   * (Pipedrive's "a@x.example, b@y.example").
   */
  splitOf(column: string, looksLike?: (value: string) => boolean): string | undefined {
    const values = this.values(column);
    if (values.some((v) => v.includes(GOOGLE_SPLIT))) return GOOGLE_SPLIT;
    if (looksLike === undefined) return undefined;
    return [';', ',', '|'].find((sep) => {
      const multi = values.filter((v) => v.includes(sep));
      return (
        multi.length > 0 &&
        multi.every(
          (v) =>
            v.split(sep).filter((p) => p.trim() !== '').length >= 2 &&
            v.split(sep).every((p) => p.trim() === '' || looksLike(p.trim())),
        )
      );
    });
  }
}

/** Pure: a header and a sample of records → a working mapping config, or a UsageError when nothing in it is a contact. */
export function buildConfig(input: InitInput): InitResult {
  const s = new Sample(input);
  // Not written down: the run finds each file's separator on its header line as init did, so a file the
  // person saved from a spreadsheet app in another region (";" for ",") is read with the same config.
  const notes: string[] =
    input.format === 'xlsx' || input.format === 'vcard'
      ? []
      : [
          `csv.delimiter: left out: each file's separator is found on its header line (here ${JSON.stringify(input.delimiter)}), so a failures.csv saved by a spreadsheet app with another one is read too`,
        ];
  const defaultFields: Config['defaultFields'] = mapNames(s);
  const emptyKnown: string[] = [];
  const emails = mapLabelled(s, EMAIL_COLUMNS, emptyKnown, looksLikeEmail);
  const phones = mapLabelled(s, PHONE_COLUMNS, emptyKnown, looksLikePhone);
  if (emails.length > 0) defaultFields.emails = emails;
  if (phones.length > 0) defaultFields.phoneNumbers = phones;
  refuseIfNothingMapped(input, defaultFields);

  const externalId = chooseExternalId(s, notes, defaultFields, emails);
  const { phone, conversions } = choosePhoneCountry(s, phones, emails, notes, input.numberCells);
  const owner = chooseOwner(s, notes);
  const customFields = matchCustomFields(s, notes, phone?.defaultCountry);

  // LinkedIn's Connections.csv has no phone column at all: contacts OpenPhone cannot call or text.
  if (phones.length === 0)
    notes.push(
      'WARNING: no column of this file holds phone numbers: every contact will be imported without one, and OpenPhone cannot call or text it. Map a phone column if the export has one under another name, or add --require-phone to refuse records without a number',
    );
  if (emptyKnown.length > 0)
    notes.push(`left out, empty in the sample: ${emptyKnown.map((c) => JSON.stringify(c)).join(', ')}`);
  const titled = input.headerLine !== undefined && input.headerLine > 1;
  if (titled)
    notes.push(
      `csv.headerLine: ${input.headerLine}: ${input.format === 'xlsx' ? 'rows' : 'lines'} 1-${input.headerLine! - 1} are notes above the header, skipped`,
    );
  const unmapped = input.header.filter((h) => !s.used.has(h) && h.trim() !== '');
  notes.push(...unmappedDateNotes(s, unmapped, phone?.defaultCountry, input.customFields !== undefined));
  const config: Config = {
    ...(input.schemaPath !== undefined && { $schema: input.schemaPath }),
    externalId,
    // A name of the import's own ("csv" and "openphone…" are reserved by the API).
    source: 'file-import',
    defaultFields,
    ...(owner && { owner }),
    ...(customFields.length > 0 && { customFields }),
    ...(phone && { phone }),
    ...(input.format === 'vcard'
      ? input.encoding !== 'utf-8' && { csv: { encoding: input.encoding } }
      : input.format === 'xlsx'
        ? titled && { csv: { headerLine: input.headerLine! } }
        : {
            csv: {
              encoding: input.encoding,
              ...(titled && { headerLine: input.headerLine! }),
            },
          }),
  };
  return { config, notes, unmapped, conversions };
}

/** The export's owner column, when it has one: each record's owner becomes its contact's createdByUserId. */
function chooseOwner(s: Sample, notes: string[]): Config['owner'] {
  const column = s.firstOf(OWNER_COLUMNS);
  if (column === undefined || s.values(column).every((v) => v === '')) return undefined;
  s.used.add(column);
  notes.push(
    `owner: column ${JSON.stringify(column)}: each contact's owner, matched at every run to the workspace's users by e-mail or full name (read with the API key); an owner that matches no user is listed before anything is sent and the contact gets the default owner ("unknown": "fail" fails it instead)`,
  );
  return { column, unknown: 'default' };
}

function mapNames(s: Sample): Config['defaultFields'] {
  const fields: Config['defaultFields'] = {};
  for (const field of Object.keys(NAME_COLUMNS) as NameField[]) {
    const column = s.firstOf(NAME_COLUMNS[field]);
    if (column === undefined) continue;
    // Outlook's "Title" is Mr./Ms.: a role only when its values do not look like salutations.
    if (
      field === 'role' &&
      normalizeName(column) === 'title' &&
      s.values(column).some((v) => /^(mr|mrs|ms|miss|dr|prof)\.?$/i.test(v))
    )
      continue;
    fields[field] = column;
    s.used.add(column);
  }
  return fields;
}

/** A value of an email column, or of a phone column: what a multi-value cell splits into. */
const looksLikeEmail = (v: string) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v);
const looksLikePhone = (v: string) =>
  (v.match(/\d/g) ?? []).length >= 7 && /^[+()\d\s./-]+(\s*(x|ext\.?)\s*\d+)?$/i.test(v);

function mapLabelled(
  s: Sample,
  known: readonly KnownLabelledColumn[],
  emptyKnown: string[],
  looksLike: (value: string) => boolean,
): Labelled[] {
  const out: Labelled[] = [];
  for (const k of known)
    for (const column of s.findAll(k.column)) {
      if (s.used.has(column)) continue;
      const labelled = labelledColumn(s, k, column, emptyKnown, looksLike);
      if (labelled !== undefined) out.push(labelled);
    }
  return out;
}

/** One column of a known kind, with its label; undefined for one the file never fills. */
function labelledColumn(
  s: Sample,
  k: KnownLabelledColumn,
  column: string,
  emptyKnown: string[],
  looksLike: (value: string) => boolean,
): Labelled | undefined {
  s.used.add(column);
  // A column the export always has but this file never fills (Outlook's Car Phone) is left out.
  if (s.values(column).every((v) => v === '')) {
    emptyKnown.push(column);
    return undefined;
  }
  // Each record's own label (Google's "Phone 1 - Label") names its value; the commonest is the fallback.
  const labelColumn = k.labelColumns?.map((c) => s.find(c)).find((c) => c !== undefined);
  if (labelColumn) s.used.add(labelColumn);
  const label = labelColumn
    ? s
        .commonest(labelColumn)
        ?.replace(/^\*\s*/, '')
        .split(GOOGLE_SPLIT)[0]
        ?.toLowerCase()
    : undefined;
  const split = k.split ?? s.splitOf(column, looksLike);
  return {
    name: label ?? k.name,
    ...(labelColumn && { nameColumn: labelColumn }),
    column,
    ...(split && { split }),
  };
}

/** An export with no name, no email and no phone is not a contacts export this config could import. */
function refuseIfNothingMapped(input: InitInput, fields: Config['defaultFields']): void {
  if (fields.firstName || fields.lastName || fields.company || fields.emails || fields.phoneNumbers) return;
  const shown = input.header
    .slice(0, 12)
    .map((h) => JSON.stringify(h))
    .join(', ');
  throw new UsageError(
    'INIT_NOTHING_MAPPED',
    `no column of this file is a name, company, email or phone column that init knows (the header: ${shown}${input.header.length > 12 ? ', …' : ''})`,
    {
      hint: "if it is a contacts export, write the config by hand from config.example.json, naming these columns; if the header is further down, check the file's first lines",
    },
  );
}

/** The externalId init proposes: the export's id column, else a strict id column, else a unique email, else a template. */
function chooseExternalId(
  s: Sample,
  notes: string[],
  fields: Config['defaultFields'],
  emails: readonly Labelled[],
): Config['externalId'] {
  const usable = (column: string) => {
    const v = s.values(column);
    const filled = v.filter(Boolean);
    return (
      filled.length === v.length &&
      new Set(filled).size === filled.length &&
      filled.every((x) => x.length <= EXTERNAL_ID_MAX && !isScientificNumber(x))
    );
  };
  return (
    idColumnByName(s, notes, usable) ??
    strictIdColumn(s, notes, usable) ??
    uniqueEmailId(notes, emails, usable) ??
    templateId(s, notes, fields, emails)
  );
}

/** The export's own record id, by its name: proposed even when the sample shows faults, which are named. */
function idColumnByName(
  s: Sample,
  notes: string[],
  usable: (column: string) => boolean,
): Config['externalId'] | undefined {
  for (const name of ID_COLUMNS) {
    const column = s.find(name);
    const v = column === undefined || s.used.has(column) ? [] : s.values(column);
    if (column === undefined || !v.some(Boolean)) continue;
    s.used.add(column);
    if (usable(column)) {
      notes.push(
        `externalId: column ${JSON.stringify(column)}: the export's own record id, filled and unique in the sample`,
      );
      return { column };
    }
    const empty = v.filter((x) => x === '').length;
    const repeated = v.filter(Boolean).length - new Set(v.filter(Boolean)).size;
    const long = v.filter((x) => x.length > EXTERNAL_ID_MAX).length;
    const scientific = v.filter(isScientificNumber).length;
    const faults = [
      empty > 0 && `${empty} empty (EXTERNAL_ID_MISSING)`,
      repeated > 0 && `${repeated} repeated (DUPLICATE_EXTERNAL_ID)`,
      long > 0 && `${long} longer than ${EXTERNAL_ID_MAX} characters (EXTERNAL_ID_TOO_LONG)`,
      scientific > 0 &&
        `${scientific} in scientific notation, as a spreadsheet app saves a long number, its digits lost (EXTERNAL_ID_SCIENTIFIC)`,
    ].filter(Boolean);
    notes.push(
      `externalId: column ${JSON.stringify(column)}: the export's own record id, by its name. In the sample of ${v.length}, ${faults.join(', ')}: those records fail with that code. A contact whose id is empty cannot be resumed or synced: fill the ids in the source system and export again`,
    );
    return { column };
  }
  return undefined;
}

/** A column whose name only suggests an id: taken only when filled and unique in the whole sample. */
function strictIdColumn(
  s: Sample,
  notes: string[],
  usable: (column: string) => boolean,
): Config['externalId'] | undefined {
  for (const name of STRICT_ID_COLUMNS) {
    const column = s.find(name);
    if (column !== undefined && !s.used.has(column) && usable(column)) {
      s.used.add(column);
      notes.push(
        `externalId: column ${JSON.stringify(column)}: filled and unique in every record of the sample, and stable for a contact`,
      );
      return { column };
    }
  }
  return undefined;
}

function uniqueEmailId(
  notes: string[],
  emails: readonly Labelled[],
  usable: (column: string) => boolean,
): Config['externalId'] | undefined {
  const email = emails.find((e) => e.split === undefined && usable(e.column));
  if (email === undefined) return undefined;
  notes.push(
    `externalId: column ${JSON.stringify(email.column)}: the export has no id column; this email is filled and unique in the sample. A contact whose email changes in a later export would be imported again.`,
  );
  return { column: email.column };
}

/**
 * Names, company and an email column whose sampled values all look like
 * addresses (not Outlook's Exchange paths, which would make the id too long):
 * empty parts allowed (a company-only contact), a multi-value cell gives its
 * first value.
 */
function templateId(
  s: Sample,
  notes: string[],
  fields: Config['defaultFields'],
  emails: readonly Labelled[],
): Config['externalId'] {
  const emailLike = emails.find((e) =>
    s.values(e.column).every((v) => v === '' || (v.includes('@') && !v.startsWith('/') && v.length <= 60)),
  );
  const parts = [fields.firstName, fields.lastName, fields.company, emailLike?.column].filter(
    (c): c is string => typeof c === 'string',
  );
  notes.push(
    `externalId: template over ${parts.map((p) => JSON.stringify(p)).join(', ')} (empty parts allowed): the export has no id column and no filled, unique email. Two records alike in all of these are reported as duplicates; a contact whose name or email changes in a later export would be imported again. Add an id column to the export if you can.`,
  );
  return { template: parts.map((p) => `{${p.replace(/[{}]/g, (b) => b + b)}}`).join('|'), allowEmpty: true };
}

/**
 * phone.defaultCountry from the evidence (guess-country.ts), and the export's
 * country column as phone.countryColumn when it has one, with a few sample
 * conversions so the user sees what will be sent.
 */
function choosePhoneCountry(
  s: Sample,
  phones: readonly Labelled[],
  emails: readonly Labelled[],
  notes: string[],
  numberCells: InitInput['numberCells'],
): { phone?: Config['phone']; conversions: string[] } {
  const phoneCells = phones
    .flatMap((p) => s.values(p.column).map((v, row) => ({ v, row, column: p.column })))
    .filter((c) => c.v !== '');
  if (phoneCells.length === 0) return { conversions: [] };
  const countryColumn = s.firstOf(COUNTRY_COLUMNS);
  const countryCells = countryColumn ? s.values(countryColumn) : [];
  const understood = countryCells.filter((c) => countryFromText(c) !== undefined).length;
  const useColumn =
    countryColumn !== undefined && understood > 0 && understood >= countryCells.filter(Boolean).length * 0.8;
  if (useColumn) s.used.add(countryColumn);
  const guess = guessCountry({
    phones: phoneCells.flatMap((c) => c.v.split(GOOGLE_SPLIT)),
    countryCells,
    emails: emails.flatMap((e) => s.values(e.column)),
  });
  if (guess.country) notes.push(`phone.defaultCountry: ${guess.country} (sure): ${guess.why}`);
  else
    notes.push(
      `phone.defaultCountry: not set: ${guess.why}. Numbers without +country code ${useColumn ? 'and without a country in their row ' : ''}will be reported and left out; set phone.defaultCountry if they are all from one country.`,
    );
  if (useColumn)
    notes.push(
      `phone.countryColumn: ${JSON.stringify(countryColumn)}: each record's numbers without +country code are read in its own country (${understood} of ${countryCells.filter(Boolean).length} sampled cells understood)`,
    );
  const phone: Config['phone'] = {
    ...(guess.country && { defaultCountry: guess.country }),
    ...(useColumn && { countryColumn }),
  };
  const countryOf = (row: number) =>
    (useColumn ? countryFromText(countryCells[row] ?? '') : undefined) ?? guess.country;
  /** A number cell that cannot be read as a whole number (a lost + or 0): what the import reports as PHONE_NUMBER_CELL. */
  const lostDigits = (v: string, row: number) => phoneFromNumberCell(v, countryOf(row)).kind !== 'ok';
  const conversions = phoneCells.slice(0, 4).map(({ v, row, column }) => {
    // The sample's conversions show what will be sent: an ambiguous number cell's is not (PHONE_NUMBER_CELL).
    const stored = numberCells?.get(column)?.has(v) === true;
    if (stored && lostDigits(v, row)) return `${v} → not sent: a number cell (PHONE_NUMBER_CELL)`;
    return `${describeConversion(v.split(GOOGLE_SPLIT)[0]!, countryOf(row))}${stored ? ' (a number cell: ten digits are the whole North American number)' : ''}`;
  });
  const stored = phones
    .map((p) => ({
      column: p.column,
      n: phoneCells.filter(
        (c) => c.column === p.column && numberCells?.get(p.column)?.has(c.v) && lostDigits(c.v, c.row),
      ).length,
    }))
    .filter((p) => p.n > 0)
    .map((p) => `"${p.column}" (${p.n} in the sample)`);
  // A phone column whose workbook cells are numbers: the import reports every such cell, so init says so before anyone runs it.
  if (stored.length > 0)
    notes.push(
      `WARNING: phone cells stored as numbers in the workbook, which lose a leading + or 0: ${stored.join(', ')}. Each is reported as PHONE_NUMBER_CELL, never guessed: format the column as Text in Excel and type the numbers with their +country code, then save again`,
    );
  return { ...(Object.keys(phone).length > 0 && { phone }), conversions };
}

/** `(415) 555-0199 → +1 415 555 0199 (US)`, or why it will not be sent. */
export function describeConversion(cell: string, country: CountryCode | undefined): string {
  const r = toE164(cell, country);
  if (r.kind === 'bad') return `${cell} → left out: ${r.expected}`;
  const p = parsePhoneNumber(r.value, undefined);
  return `${cell} → ${p?.formatInternational() ?? r.value} (${p?.country ?? '?'})${r.note ? `; ${r.note.message}` : ''}`;
}

function matchCustomFields(
  s: Sample,
  notes: string[],
  country: string | undefined,
): NonNullable<Config['customFields']> {
  const customFields: NonNullable<Config['customFields']> = [];
  if (!s.input.customFields) return customFields;
  const fields = new Map<string, { name: string; key: string; type: CustomFieldType }>();
  for (const f of s.input.customFields) {
    fields.set(normalizeName(f.name), f);
    fields.set(normalizeName(f.key), f);
  }
  for (const column of s.input.header) {
    if (s.used.has(column)) continue;
    const f = fields.get(normalizeName(column));
    if (f === undefined || customFields.some((c) => c.key === f.key)) continue;
    s.used.add(column);
    const { entry, note } = customFieldEntry(f, column, s.values(column), s.splitOf(column), country);
    customFields.push(entry);
    notes.push(
      `customFields: column ${JSON.stringify(column)} → the workspace's field "${f.key}" (${f.type}, "${f.name}")${note}`,
    );
  }
  return customFields;
}

/**
 * Columns left unmapped whose sampled cells are all dates: the format they are
 * written in, ready for the date custom field a person maps them to (without
 * the key init cannot see the workspace's fields, but the sample says how
 * its dates are written).
 */
function unmappedDateNotes(
  s: Sample,
  unmapped: readonly string[],
  country: string | undefined,
  sawFields: boolean,
): string[] {
  const notes: string[] = [];
  for (const column of unmapped) {
    const cells = s.values(column).filter((c) => c.trim() !== '');
    // Two dates at least, and not bare numbers (an id column is no date column).
    if (cells.length < 2 || cells.every((c) => /^\d+$/.test(c.trim()))) continue;
    const date = inferDateFormat(cells, country);
    if (date === undefined) continue;
    const ambiguous = date.ambiguous.length > 0 ? ` (the sample fits ${date.ambiguous.join(' and ')}: check it)` : '';
    const then = sawFields
      ? 'no custom field of the workspace has its name'
      : 'with OPENPHONE_API_KEY set, init maps it to a custom field of that name';
    notes.push(
      `column ${JSON.stringify(column)} holds dates written ${date.format}${ambiguous}: to import it, map it to a date custom field with { "type": "date", "column": ${JSON.stringify(column)}, "format": ${JSON.stringify(date.format)} } (${then})`,
    );
  }
  return notes;
}

/** One custom field's entry, with the formats its sampled cells are written in (dates, yes/no words, decimal commas). */
function customFieldEntry(
  f: { key: string; type: CustomFieldType },
  column: string,
  cells: readonly string[],
  split: string | undefined,
  country: string | undefined,
): { entry: NonNullable<Config['customFields']>[number]; note: string } {
  const base = { key: f.key, column };
  switch (f.type) {
    case 'multi-select':
      return { entry: { ...base, type: f.type, split: split ?? ';' }, note: '' };
    case 'boolean': {
      const words = inferBooleanWords(cells);
      return {
        entry: { ...base, type: f.type, ...words },
        note: words
          ? `; yes/no written as ${[...words.trueValues, ...words.falseValues].map((w) => JSON.stringify(w)).join('/')}`
          : '',
      };
    }
    case 'date': {
      const date = inferDateFormat(cells, country);
      if (date === undefined)
        return {
          entry: { ...base, type: f.type },
          note: '; no date format reads every sampled cell: set "format" and "timezone"',
        };
      const ambiguous = date.ambiguous.length > 0 ? ` (the sample fits ${date.ambiguous.join(' and ')}: check it)` : '';
      return {
        entry: { ...base, type: f.type, format: date.format },
        note: `; dates read as ${date.format}${ambiguous}; set "timezone" if not UTC`,
      };
    }
    case 'number': {
      const { separator, ambiguous } = inferDecimalSeparator(cells, country);
      return {
        entry: { ...base, type: f.type, ...(separator && { decimalSeparator: separator }) },
        note:
          ambiguous !== undefined
            ? `; WARNING: ${ambiguous}`
            : separator
              ? '; numbers written with a decimal comma (12.345,67)'
              : '',
      };
    }
    default:
      return { entry: { ...base, type: f.type } as NonNullable<Config['customFields']>[number], note: '' };
  }
}
