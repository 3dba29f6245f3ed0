import {
  EXTERNAL_ID_MAX,
  SOURCE_URL_MAX,
  sourceProblem,
  type ContactRequest,
  type CustomFieldItem,
} from '../api/contract.js';
import type {
  LabelledColumn,
  PhoneColumn,
  ResolvedConfig,
  ResolvedCustomField,
  TextSource,
  ValueSource,
} from '../config/resolved.js';
import { renderTemplate } from '../config/template.js';
import { bad, ProblemCode, type Converted, type Problem } from './problem.js';
import { toBoolean } from './transforms/boolean.js';
import { toIsoDate } from './transforms/date.js';
import { toEmail } from './transforms/email.js';
import { toNumber } from './transforms/number.js';
import { toE164 } from './transforms/phone.js';
import { GOOGLE_SPLIT, splitCell } from './transforms/split.js';
import { toUrl } from './transforms/url.js';
import { SeenStrings } from '../util/seen-strings.js';
import { configHint } from './config-hints.js';
import { countryFromText } from './country-names.js';
import { callingCodeOf, type CountryCode } from '../phone/phone-metadata.js';

/** Reads one cell by column name; '' for an absent or empty cell. */
export type CellReader = (column: string) => string;

/** A workbook's cell stored as a number, by column name: whatever was typed into it before (a + or a leading 0) is gone. */
export type NumberCells = (column: string) => boolean;

/** Who a CRM's owner cell names among the workspace's users (workspace/users.ts). */
export interface OwnerLookup {
  match(
    cell: string,
  ):
    | { readonly kind: 'user'; readonly user: { readonly id: string } }
    | { readonly kind: 'ambiguous'; readonly users: readonly { readonly email: string | null; readonly id: string }[] }
    | { readonly kind: 'none' };
}

/** What mapping needs beyond the config and the cells: the workbook's number cells, the workspace's users. */
export interface MappingContext {
  readonly numberCell?: NumberCells | undefined;
  /** Undefined when the users were not read (a dry run without a key): owners are then not resolved. */
  readonly owners?: OwnerLookup | undefined;
}

/** What mapping a record gives, before the duplicate check. */
export interface MappedItem {
  /** Present whenever the record has a usable id, even if it has other problems. */
  readonly externalId?: string;
  /** Present only when there are no problems. */
  readonly payload?: ContactRequest;
  readonly problems: readonly Problem[];
  /**
   * Values left out of the payload, each with why (invalidValues "drop": a bad
   * email, phone or custom-field value; always: a phone's extension, a country
   * cell not understood). Reported in dropped-values.csv; absent when none.
   */
  readonly dropped?: readonly Problem[];
}

/** Where a converted value goes: a bad one is a problem (or dropped), a note is reported beside a kept value. */
type Reporter = (column: string, value: string, result: Converted<unknown>) => void;

/**
 * Pure: one record's cells → the API request body, or every problem found in it
 * (all at once, so a user fixes a row in one pass).
 */
export function mapRecord(
  config: ResolvedConfig,
  get: CellReader,
  line: number,
  context: MappingContext = {},
): MappedItem {
  const numberCell = context.numberCell ?? (() => false);
  const problems: Problem[] = [];
  const dropped: Problem[] = [];
  const badValues = config.invalidValues === 'drop' ? dropped : problems;
  const report: Reporter = (column, value, result) => {
    if (result.kind === 'bad') badValues.push({ code: result.code, line, column, value, message: result.expected });
    else if (result.note !== undefined)
      dropped.push({ code: result.note.code, line, column, value, message: result.note.message });
  };

  controlCharacters(config, get, line, problems);
  const externalId = readExternalId(config.externalId, get, line, problems);
  const { firstName, lastName, company, role } = readNames(config, get);

  const emails = labelled(config.emails, 'defaultFields.emails', get, (v) => toEmail(v), report);
  const recordCountry = readCountry(config.phoneCountryColumn, get, line, dropped);
  const phoneNumbers = labelled(
    config.phoneNumbers,
    'defaultFields.phoneNumbers',
    get,
    (v, c) =>
      (numberCell(c.column) ? phoneFromNumberCell : toE164)(v, recordCountry ?? (c as PhoneColumn).defaultCountry),
    report,
  );
  const customFields = readCustomFields(config, get, report);

  const createdByUserId = readOwner(config, get, line, context.owners, problems, dropped);
  const { source, sourceUrl } = readSources(config, get, line, badValues, dropped);
  const nothingToImport = !firstName && !lastName && !company && emails.length === 0 && phoneNumbers.length === 0;
  wholeRecordProblems(config, line, { nothingToImport, phones: phoneNumbers.length }, problems, dropped);
  // A record that fails anyway lists its bad values too: one pass fixes the row.
  if (problems.length > 0)
    return {
      externalId,
      problems:
        config.invalidValues === 'drop'
          ? [...problems, ...dropped.filter((d) => !isNote(d) && !problems.includes(d))]
          : problems,
    };

  const payload = buildPayload({
    firstName,
    lastName,
    company,
    role,
    emails,
    phoneNumbers,
    customFields,
    createdByUserId,
    source,
    sourceUrl,
    externalId,
  });
  return dropped.length > 0 ? { externalId, payload, problems, dropped } : { externalId, payload, problems };
}

/** The names, company and role: a cell's text, trimmed; an empty one is none. */
function readNames(config: ResolvedConfig, get: CellReader) {
  const text = (column: string | undefined) => (column === undefined ? undefined : get(column).trim() || undefined);
  return {
    firstName: text(config.names.firstName),
    lastName: text(config.names.lastName),
    company: text(config.names.company),
    role: text(config.names.role),
  };
}

/** The contact's source and sourceUrl, from the config's constant or a column. */
function readSources(config: ResolvedConfig, get: CellReader, line: number, badValues: Problem[], dropped: Problem[]) {
  const source = readText(
    config.source,
    get,
    'source',
    line,
    sourceProblem,
    ProblemCode.sourceInvalid,
    badValues,
    dropped,
  );
  const sourceUrl = readText(
    config.sourceUrl,
    get,
    'sourceUrl',
    line,
    sourceUrlProblem,
    ProblemCode.sourceUrlInvalid,
    badValues,
    dropped,
  );
  return { source, sourceUrl };
}

/** The custom fields' values, converted by their type; a bad one is reported with the config path that types it. */
function readCustomFields(config: ResolvedConfig, get: CellReader, report: Reporter): CustomFieldItem[] {
  const customFields: CustomFieldItem[] = [];
  config.customFields.forEach((field, index) => {
    const cell = get(field.column).trim();
    if (cell === '') return;
    const converted = convertCustom(field, cell);
    report(
      field.column,
      cell,
      converted.kind === 'ok'
        ? converted
        : { ...converted, expected: converted.expected + configHint(field, index, cell) },
    );
    if (converted.kind === 'ok') customFields.push({ key: field.key, value: converted.value });
  });
  return customFields;
}

/** What is wrong with the record as a whole: nothing left to import, or no phone where requirePhone asks for one. */
function wholeRecordProblems(
  config: ResolvedConfig,
  line: number,
  record: { nothingToImport: boolean; phones: number },
  problems: Problem[],
  dropped: Problem[],
): void {
  if (record.nothingToImport && problemsOnlyAbout(problems, ID_PROBLEMS)) {
    // Nothing left to import: the values that were dropped are why the record fails.
    const bad = dropped.filter((d) => !isNote(d));
    problems.push(...bad, {
      code: ProblemCode.emptyContact,
      line,
      message:
        bad.length > 0
          ? 'with its bad values left out, the record has no name, company, email or phone number to import'
          : 'the record has no name, company, email or phone number to import',
    });
  }
  if (config.requirePhone && record.phones === 0 && !problems.some((p) => p.code === ProblemCode.emptyContact)) {
    const left = dropped.filter((d) => d.code === ProblemCode.phoneInvalid || d.code === ProblemCode.phoneNumberCell);
    problems.push({
      code: ProblemCode.phoneMissing,
      line,
      message: `${left.length > 0 ? 'with its bad phone numbers left out, ' : ''}the record has no phone number, and requirePhone (--require-phone) asks for one: add the number in the source, or leave requirePhone out to import contacts without one`,
    });
  }
}

/**
 * The request body. Built by assignment, not by spreading optional parts: this
 * runs once per record, and the key order (which payloads.jsonl shows) is the
 * same. No schema check here: every part is typed by the contract
 * (ContactRequest is inferred from its schema), the config's constants
 * (source, sourceUrl, createdByUserId, custom field keys) were checked once
 * when it loaded, and the id's length by readExternalId. The contract itself
 * is checked where a body leaves (send/send-record.ts) and by a test over
 * every fixture's payloads.
 */
function buildPayload(v: {
  firstName: string | undefined;
  lastName: string | undefined;
  company: string | undefined;
  role: string | undefined;
  emails: ContactRequest['defaultFields']['emails'] & object;
  phoneNumbers: ContactRequest['defaultFields']['phoneNumbers'] & object;
  customFields: CustomFieldItem[];
  createdByUserId: string | undefined;
  source: string | undefined;
  sourceUrl: string | undefined;
  externalId: string | undefined;
}): ContactRequest {
  const defaultFields: ContactRequest['defaultFields'] = { firstName: v.firstName ?? null };
  if (v.lastName !== undefined) defaultFields.lastName = v.lastName;
  if (v.company !== undefined) defaultFields.company = v.company;
  if (v.role !== undefined) defaultFields.role = v.role;
  if (v.emails.length > 0) defaultFields.emails = v.emails;
  if (v.phoneNumbers.length > 0) defaultFields.phoneNumbers = v.phoneNumbers;
  const payload: ContactRequest = { defaultFields };
  if (v.customFields.length > 0) payload.customFields = v.customFields;
  if (v.createdByUserId !== undefined) payload.createdByUserId = v.createdByUserId;
  if (v.source !== undefined) payload.source = v.source;
  if (v.sourceUrl !== undefined) payload.sourceUrl = v.sourceUrl;
  payload.externalId = v.externalId;
  return payload;
}

const NO_LABELS: readonly string[] = [];

/**
 * A phone number that a workbook stores as a number has lost what was typed
 * before its digits (a + or a leading 0) and any digit past the 15th: it is
 * reported, never guessed back; unless nothing can have been lost: ten digits
 * in a North American country are its whole national number (no trunk 0).
 */
export function phoneFromNumberCell(value: string, country: CountryCode | undefined): Converted<string> {
  if (country !== undefined && /^[2-9]\d{9}$/.test(value) && callingCodeOf(country) === '1') {
    const e164 = toE164(value, country);
    if (e164.kind === 'ok') return e164;
  }
  return bad(
    ProblemCode.phoneNumberCell,
    `the workbook stores this phone number as a number, not as text, so a leading + or 0 is lost (${value} could be +${value} or 0${value}): format the column as Text in Excel, type the numbers with their +country code and run again: the contact gets its number`,
  );
}

/** A record's own label as Google writes it ("* Work" marks the primary one): without the star. */
function labelOf(cell: string): string {
  return cell.replace(/^\*\s*/, '').trim();
}

/** A cell that holds several values where the config expects one: the split that would read it. */
function splitHint(value: string, col: LabelledColumn, path: string): string {
  if (col.split !== undefined) return '';
  const sep = [GOOGLE_SPLIT, ';', ',', '|', '\n'].find(
    (s) => value.includes(s) && value.split(s).filter((v) => v.trim()).length > 1,
  );
  return sep === undefined ? '' : `; several values in one cell: add "split": ${JSON.stringify(sep)} to ${path}`;
}

const NOTES: ReadonlySet<string> = new Set([
  ProblemCode.phoneExtensionDropped,
  ProblemCode.phoneCountryUnknown,
  ProblemCode.ownerUnknown,
  ProblemCode.sourceUrlIncomplete,
]);
const isNote = (problem: Problem) => NOTES.has(problem.code);

/**
 * createdByUserId: the owner cell's user when the config maps an owner column
 * and the users were read; the config's createdByUserId otherwise. An owner
 * that names nobody (or several) fails the record (owner.unknown "fail") or
 * falls back to the config's, noted in dropped-values.csv.
 */
function readOwner(
  config: ResolvedConfig,
  get: CellReader,
  line: number,
  owners: OwnerLookup | undefined,
  problems: Problem[],
  notes: Problem[],
): string | undefined {
  const owner = config.owner;
  if (owner === undefined || owners === undefined) return config.createdByUserId;
  const cell = get(owner.column).trim();
  if (cell === '') return config.createdByUserId;
  const m = owners.match(cell);
  if (m.kind === 'user') return m.user.id;
  const why =
    m.kind === 'ambiguous'
      ? `names ${m.users.length} users of the workspace (${m.users.map((u) => u.email ?? u.id).join(', ')}): write the owner's e-mail instead`
      : 'matches no user of the workspace by e-mail or full name';
  if (owner.unknown === 'fail')
    problems.push({
      code: ProblemCode.ownerUnknown,
      line,
      column: owner.column,
      value: cell,
      message: `${why}; owner.unknown is "fail". Fix the owner in the source, or set owner.unknown to "default"`,
    });
  else
    notes.push({
      code: ProblemCode.ownerUnknown,
      line,
      column: owner.column,
      value: cell,
      message: `${why}: ${config.createdByUserId !== undefined ? `the config's createdByUserId ${config.createdByUserId} is the owner` : "the contact gets the API key's default owner"}`,
    });
  return config.createdByUserId;
}

/**
 * source or sourceUrl: the constant, or the template made from the record's
 * cells. A template with an empty column leaves the field out (noted: half a
 * link is no link); one that makes a value the API refuses is a bad value,
 * reported whole, never cut.
 */
function readText(
  source: TextSource | undefined,
  get: CellReader,
  path: string,
  line: number,
  check: (value: string) => string | undefined,
  code: ProblemCode,
  bad: Problem[],
  notes: Problem[],
): string | undefined {
  if (source === undefined) return undefined;
  if (source.kind === 'constant') return source.value;
  const rendered = renderTemplate(source.parts, get, false);
  if (rendered.kind === 'empty') {
    notes.push({
      code: ProblemCode.sourceUrlIncomplete,
      line,
      column: rendered.empty[0],
      message: `${path} left out: its template ${JSON.stringify(source.template)} needs ${rendered.empty.map((c) => JSON.stringify(c)).join(', ')}, empty here`,
    });
    return undefined;
  }
  const problem = check(rendered.id);
  if (problem === undefined) return rendered.id;
  bad.push({
    code,
    line,
    column: source.parts.find((p): p is { column: string } => 'column' in p)?.column,
    value: rendered.id,
    message: `the ${path} its template ${JSON.stringify(source.template)} makes ${problem}`,
  });
  return undefined;
}

/** Why the API would refuse this sourceUrl: not an absolute http(s) URL, or longer than SOURCE_URL_MAX. */
function sourceUrlProblem(value: string): string | undefined {
  if (value.length > SOURCE_URL_MAX)
    return `is ${value.length} characters long; a sourceUrl is at most ${SOURCE_URL_MAX}`;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // below
  }
  return 'is not an absolute web address (https://…)';
}

/** The record's own country (phone.countryColumn), or undefined: empty, not configured, or not understood (then noted). */
function readCountry(
  column: string | undefined,
  get: CellReader,
  line: number,
  notes: Problem[],
): CountryCode | undefined {
  if (column === undefined) return undefined;
  const cell = get(column).trim();
  const country = countryFromText(cell);
  if (country === undefined && cell !== '') {
    notes.push({
      code: ProblemCode.phoneCountryUnknown,
      line,
      column,
      value: cell,
      message:
        'not a country name or code this importer knows (e.g. "US", "USA", "United States", "Deutschland"): its numbers without +country code were read in phone.defaultCountry',
    });
  }
  return country;
}

/** The problems of a record's id: they say nothing about the contact's content. */
const ID_PROBLEMS: ReadonlySet<string> = new Set([
  ProblemCode.externalIdMissing,
  ProblemCode.externalIdTooLong,
  ProblemCode.externalIdScientific,
]);

/**
 * A number as a spreadsheet app shows and saves it when the column is not
 * text: 1.23457E+13. The id's digits are gone (it stands for a thousand ids),
 * so it is never taken for one. As Excel writes it (a capital E and the
 * exponent's sign), so a hex id such as 8e12 stays an id.
 */
export const isScientificNumber = (text: string): boolean => /^-?\d+(?:[.,]\d+)?E[+-]\d+$/.test(text);

/** True when every problem so far is one of these codes. */
function problemsOnlyAbout(problems: readonly Problem[], codes: ReadonlySet<string>): boolean {
  return problems.every((p) => codes.has(p.code));
}

function readExternalId(source: ValueSource, get: CellReader, line: number, problems: Problem[]): string | undefined {
  const column = source.kind === 'column' ? source.column : source.template;
  const rendered = source.kind === 'column' ? undefined : renderTemplate(source.parts, get, source.allowEmpty);
  const id =
    source.kind === 'column'
      ? get(source.column).trim() || undefined
      : rendered?.kind === 'rendered'
        ? rendered.id
        : undefined;
  if (id === undefined) {
    const empty = rendered?.kind === 'empty' ? rendered.empty.map((c) => JSON.stringify(c)) : [];
    problems.push({
      code: ProblemCode.externalIdMissing,
      line,
      column:
        source.kind === 'column'
          ? column
          : ((rendered?.kind === 'empty' && rendered.empty.length === 1 ? rendered.empty[0] : undefined) ?? column),
      message:
        source.kind === 'column'
          ? 'the externalId column is empty: every record needs an id to be resumable'
          : source.allowEmpty
            ? `every column of the externalId template is empty (${empty.join(', ')}): fill one of them`
            : `the externalId template needs ${empty.join(', ')}, which ${empty.length === 1 ? 'is' : 'are'} empty here: fill ${empty.length === 1 ? 'it' : 'them'}, or set externalId.allowEmpty to true`,
    });
    return undefined;
  }
  if (source.kind === 'column' && isScientificNumber(id)) {
    problems.push({
      code: ProblemCode.externalIdScientific,
      line,
      column,
      value: id,
      message:
        "a number a spreadsheet app wrote in scientific notation: the id's digits are lost. Take the ids from the export as the source system wrote it, or format the column as Text in the spreadsheet before saving",
    });
    return undefined;
  }
  if (id.length > EXTERNAL_ID_MAX) {
    problems.push({
      code: ProblemCode.externalIdTooLong,
      line,
      column,
      value: id,
      message: `an externalId is at most ${EXTERNAL_ID_MAX} characters; this one has ${id.length}`,
    });
    return undefined;
  }
  return id;
}

/** Emails or phones: every configured column, split, converted, repeats kept once. */
function labelled<C extends LabelledColumn>(
  columns: readonly C[],
  configPath: string,
  get: CellReader,
  convert: (value: string, column: C) => Converted<string>,
  report: (column: string, value: string, result: Converted<unknown>) => void,
): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  const seen = new SeenStrings();
  columns.forEach((col, index) => {
    // Google pairs a multi-value cell with a multi-label cell ("Mobile ::: Work"): the k-th label names the k-th value.
    const labels = col.nameColumn === undefined ? NO_LABELS : get(col.nameColumn).split(GOOGLE_SPLIT).map(labelOf);
    splitCell(get(col.column), col.split).forEach((value, k) => {
      const name = labels[k] || labels[0] || col.name;
      const converted = convert(value, col);
      report(
        col.column,
        value,
        converted.kind === 'ok'
          ? converted
          : { ...converted, expected: converted.expected + splitHint(value, col, `${configPath}[${index}]`) },
      );
      if (converted.kind === 'bad') return;
      if (!seen.add(converted.value.toLowerCase())) return;
      out.push({ name, value: converted.value });
    });
  });
  return out;
}

function convertCustom(field: ResolvedCustomField, cell: string): Converted<CustomFieldItem['value']> {
  switch (field.type) {
    case 'string':
    case 'address':
      return { kind: 'ok', value: cell };
    case 'url':
      return toUrl(cell);
    case 'boolean':
      return toBoolean(cell, field.trueValues, field.falseValues);
    case 'number':
      return toNumber(cell, field.decimalSeparator);
    case 'date':
      return toIsoDate(cell, field.format, field.timezone);
    case 'multi-select':
      return { kind: 'ok', value: splitCell(cell, field.split) };
  }
}

/** C0 control characters but tab and line breaks, and DEL: no contact field holds them, and they are never dropped in silence. */
// eslint-disable-next-line no-control-regex -- finding control characters is this expression's job
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * The longest cell the importer sends (characters). The API documents no
 * limit for names or custom text; a cell this long is a broken export (a
 * stray quote, a pasted file), not a contact's field.
 */
export const MAX_CELL_CHARS = 10_000;

/**
 * A cell the config uses that holds a control character, or that is longer
 * than MAX_CELL_CHARS, fails the record, naming the column (and where in the
 * cell, or how long it is); the value kept in the report is cut.
 */
function controlCharacters(config: ResolvedConfig, get: CellReader, line: number, problems: Problem[]): void {
  for (const column of config.usedColumns) {
    const value = get(column);
    if (value.length > MAX_CELL_CHARS) {
      problems.push({
        code: ProblemCode.cellTooLong,
        line,
        column,
        value: `${value.slice(0, 80)}… [${value.length} characters]`,
        message: `found a cell of ${value.length} characters: at most ${MAX_CELL_CHARS} are sent; a cell this long is most likely a quote that is never closed in the export, or a file pasted into the cell`,
      });
      continue;
    }
    const m = CONTROL.exec(value);
    if (m === null) continue;
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    problems.push({
      code: ProblemCode.controlCharacter,
      line,
      column,
      value,
      message: `found the control character U+${code} at position ${m.index + 1}: not text a contact can hold; remove it from the cell in the export`,
    });
  }
}
