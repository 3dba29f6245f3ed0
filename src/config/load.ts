import { normalizeBaseUrl } from '../api/base-url.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { isSupportedCountry, type CountryCode } from '../phone/phone-metadata.js';
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { describeZodIssues, type ConfigProblem } from './format-issues.js';
import {
  API_DEFAULTS,
  type ColumnUse,
  type FieldUpdateModes,
  type ResolvedConfig,
  type TextSource,
  type UpdateMode,
  type ValueSource,
} from './resolved.js';
import { configSchema, type Config } from './schema.js';
import { parseTemplate } from './template.js';

export const configJsonSchema = z.toJSONSchema(configSchema, { target: 'draft-7' });

/** Reads, checks and resolves a config file; every problem is reported at once. */
export function loadConfig(file: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError('CONFIG_UNREADABLE', `cannot read config ${file}: ${(err as Error).message}`, {
      hint: 'check the --config path; openphone-import init -i <export> -o <config.json> writes one from the export',
    });
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): ResolvedConfig {
  const raw = parseJson(text, file);
  const parsed = configSchema.safeParse(raw);
  const problems = parsed.success
    ? semanticProblems(parsed.data)
    : describeZodIssues(parsed.error.issues, raw, configJsonSchema);
  if (problems.length > 0 || !parsed.success) {
    const lines = problems.map((p) => `  ${file}: ${p.path}: ${p.message}`);
    throw new UsageError('CONFIG_INVALID', `config ${file} has ${problems.length} problem(s):\n${lines.join('\n')}`, {
      hint: 'fix each path named above in the config; an editor that reads "$schema" (config.schema.json) completes and checks the keys as you type',
    });
  }
  return resolve(parsed.data, file);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = `:${line}:${column}`;
    }
    throw new UsageError('CONFIG_NOT_JSON', `config ${file}${where} is not valid JSON: ${message}`, {
      hint: `mend the JSON${where === '' ? '' : ` at line ${where.split(':')[1]}`} (a missing comma or quote, or a comma before } or ]); an editor that reads JSON shows where`,
    });
  }
}

/** Checks zod cannot express: zones, date formats, countries, encodings, templates. */
function semanticProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const country = (path: string, code: string | undefined) => {
    if (code !== undefined && !isSupportedCountry(code)) {
      problems.push({
        path,
        message: `found ${JSON.stringify(code)}: expected a country code libphonenumber knows, such as "US", "GB", "DE"`,
      });
    }
  };
  country('phone.defaultCountry', config.phone?.defaultCountry);
  config.defaultFields.phoneNumbers?.forEach((p, i) =>
    country(`defaultFields.phoneNumbers[${i}].defaultCountry`, p.defaultCountry),
  );

  for (const key of ['source', 'sourceUrl'] as const) {
    const value = config[key];
    if (typeof value !== 'object') continue;
    const t = parseTemplate(value.template);
    if (t.kind === 'error')
      problems.push({ path: `${key}.template`, message: `found ${JSON.stringify(value.template)}: ${t.error}` });
  }
  if (typeof config.externalId === 'object' && 'template' in config.externalId) {
    const t = parseTemplate(config.externalId.template);
    if (t.kind === 'error')
      problems.push({
        path: 'externalId.template',
        message: `found ${JSON.stringify(config.externalId.template)}: ${t.error}`,
      });
  }
  const encoding = config.csv?.encoding;
  if (encoding !== undefined && !iconv.encodingExists(encoding)) {
    problems.push({
      path: 'csv.encoding',
      message: `found ${JSON.stringify(encoding)}: expected an encoding name such as "utf-8", "utf-16le", "windows-1252", "latin1"`,
    });
  }
  problems.push(...customFieldProblems(config));
  return problems;
}

/** A custom field mapped once; a date field's zone and format usable. */
function customFieldProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const keys = new Map<string, number>();
  config.customFields?.forEach((field, i) => {
    const earlier = keys.get(field.key);
    if (earlier !== undefined) {
      problems.push({
        path: `customFields[${i}].key`,
        message: `found ${JSON.stringify(field.key)}: already mapped by customFields[${earlier}]; a custom field can be mapped once`,
      });
    }
    keys.set(field.key, i);
    if (field.type !== 'date') return;
    if (field.timezone !== undefined && !IANAZone.isValidZone(field.timezone)) {
      problems.push({
        path: `customFields[${i}].timezone`,
        message: `found ${JSON.stringify(field.timezone)}: expected an IANA time zone such as "America/New_York" or "UTC"`,
      });
    }
    if (field.format !== undefined && !formatRoundTrips(field.format)) {
      problems.push({
        path: `customFields[${i}].format`,
        message: `found ${JSON.stringify(field.format)}: expected a Luxon date format with a year, month and day, such as "MM/dd/yyyy" or "d.M.yyyy"`,
      });
    }
  });
  return problems;
}

/** A usable date format reads back, to the day, a date it wrote. */
function formatRoundTrips(format: string): boolean {
  const probe = DateTime.fromObject({ year: 2031, month: 11, day: 23 }, { zone: 'UTC' });
  const back = DateTime.fromFormat(probe.toFormat(format), format, { zone: 'UTC' });
  return back.isValid && back.year === 2031 && back.month === 11 && back.day === 23;
}

/** Each mapped field's update mode (schema.ts updateMode); emails and phones take the strictest of their columns'. */
function fieldUpdateModes(config: Config): FieldUpdateModes {
  const df = config.defaultFields;
  const modeOf = (ref: unknown) =>
    typeof ref === 'object' && ref !== null && 'update' in ref ? (ref as { update?: UpdateMode }).update : undefined;
  const strictest = (refs: readonly { update?: UpdateMode }[] | undefined) => {
    const modes = (refs ?? []).map((r) => r.update ?? 'always');
    return modes.includes('never') ? 'never' : modes.includes('ifEmpty') ? 'ifEmpty' : undefined;
  };
  const named = (key: 'firstName' | 'lastName' | 'company' | 'role') => {
    const mode = modeOf(df[key]);
    return mode === undefined ? {} : { [key]: mode };
  };
  const emails = strictest(df.emails);
  const phoneNumbers = strictest(df.phoneNumbers);
  return {
    ...named('firstName'),
    ...named('lastName'),
    ...named('company'),
    ...named('role'),
    ...(emails && { emails }),
    ...(phoneNumbers && { phoneNumbers }),
    custom: Object.fromEntries(
      (config.customFields ?? []).flatMap((f) => (f.update === undefined ? [] : [[f.key, f.update]])),
    ),
  };
}

function columnSource(ref: string | { column: string }): string {
  return typeof ref === 'string' ? ref : ref.column;
}

/** The externalId: a column, or a template whose split columns give their first value. */
function resolveExternalId(config: Config, use: (column: string, configPath: string) => string): ValueSource {
  if (typeof config.externalId === 'object' && 'template' in config.externalId) {
    const t = parseTemplate(config.externalId.template);
    if (t.kind === 'error') throw new Error('unreachable: template checked above');
    // A column the mapping splits gives the id its first value (no separator inside an id), unless the id reads cells whole.
    const splits = new Map<string, string>();
    const mapped =
      config.externalId.split === false
        ? []
        : [
            ...(config.defaultFields.emails ?? []),
            ...(config.defaultFields.phoneNumbers ?? []),
            ...(config.customFields ?? []),
          ];
    for (const c of mapped) {
      if ('split' in c && c.split !== undefined) splits.set(c.column, c.split);
    }
    const parts = t.parts.map((part) => {
      if (!('column' in part)) return part;
      use(part.column, 'externalId.template');
      const split = splits.get(part.column);
      return split === undefined ? part : { ...part, split };
    });
    return {
      kind: 'template',
      template: config.externalId.template,
      parts,
      allowEmpty: config.externalId.allowEmpty ?? false,
    };
  }
  return { kind: 'column', column: use(columnSource(config.externalId), 'externalId') };
}

/** source or sourceUrl: a constant, or a template whose columns are checked against the header like any other. */
function textSource(
  value: string | { template: string },
  path: string,
  use: (column: string, configPath: string) => string,
): TextSource {
  if (typeof value === 'string') return { kind: 'constant', value };
  const t = parseTemplate(value.template);
  if (t.kind === 'error') throw new Error('unreachable: template checked above');
  for (const part of t.parts) if ('column' in part) use(part.column, `${path}.template`);
  return { kind: 'template', template: value.template, parts: t.parts };
}

type UseColumn = (column: string, configPath: string) => string;

/** The default and custom fields' columns, each noted (with its config path) as the header must have it. */
function mappedFields(config: Config, use: UseColumn) {
  const df = config.defaultFields;
  const name = (key: 'firstName' | 'lastName' | 'company' | 'role') => {
    const ref = df[key];
    return ref === undefined ? undefined : use(columnSource(ref), `defaultFields.${key}`);
  };
  const names = {
    firstName: name('firstName'),
    lastName: name('lastName'),
    company: name('company'),
    role: name('role'),
  };
  const emails = (df.emails ?? []).map((e, i) => ({
    ...e,
    column: use(e.column, `defaultFields.emails[${i}].column`),
    ...(e.nameColumn !== undefined && { nameColumn: use(e.nameColumn, `defaultFields.emails[${i}].nameColumn`) }),
  }));
  const defaultCountry = config.phone?.defaultCountry as CountryCode | undefined;
  const phoneNumbers = (df.phoneNumbers ?? []).map((p, i) => ({
    ...p,
    column: use(p.column, `defaultFields.phoneNumbers[${i}].column`),
    ...(p.nameColumn !== undefined && { nameColumn: use(p.nameColumn, `defaultFields.phoneNumbers[${i}].nameColumn`) }),
    defaultCountry: (p.defaultCountry as CountryCode | undefined) ?? defaultCountry,
  }));
  const customFields = (config.customFields ?? []).map((f, i) => ({
    ...f,
    column: use(f.column, `customFields[${i}].column`),
  }));
  const countryColumn = config.phone?.countryColumn;
  if (countryColumn !== undefined) use(countryColumn, 'phone.countryColumn');
  return {
    names,
    emails,
    phoneNumbers,
    customFields,
    ...(countryColumn !== undefined && { phoneCountryColumn: countryColumn }),
  };
}

/** What decides a record's body, hashed; how it is sent (api, update and each field's update mode, matching) does not count. */
function mappingHash(config: Config): string {
  const mappingPart = {
    ...config,
    $schema: undefined,
    api: undefined,
    update: undefined,
    matchExisting: undefined,
    proposedByInit: undefined,
  };
  return createHash('sha256')
    .update(JSON.stringify(mappingPart, (key, value: unknown) => (key === 'update' ? undefined : value)))
    .digest('hex')
    .slice(0, 16);
}

function resolvedApi(config: Config): ResolvedConfig['api'] {
  const api = config.api ?? {};
  return {
    baseUrl: normalizeBaseUrl(api.baseUrl ?? API_DEFAULTS.baseUrl),
    requestsPerSecond: api.requestsPerSecond ?? API_DEFAULTS.requestsPerSecond,
    concurrency: api.concurrency ?? API_DEFAULTS.concurrency,
    timeoutMs: api.timeoutMs ?? API_DEFAULTS.timeoutMs,
    retry: { ...API_DEFAULTS.retry, ...api.retry },
  };
}

function resolve(config: Config, file: string): ResolvedConfig {
  const uses: ColumnUse[] = [];
  const use: UseColumn = (column, configPath) => {
    uses.push({ column, configPath });
    return column;
  };
  const externalId = resolveExternalId(config, use);
  const fields = mappedFields(config, use);
  return {
    file,
    mappingHash: mappingHash(config),
    externalId,
    ...(config.source !== undefined && { source: textSource(config.source, 'source', use) }),
    ...(config.sourceUrl !== undefined && { sourceUrl: textSource(config.sourceUrl, 'sourceUrl', use) }),
    createdByUserId: config.createdByUserId,
    ...(config.owner !== undefined && {
      owner: { column: use(config.owner.column, 'owner.column'), unknown: config.owner.unknown ?? 'default' },
    }),
    ...fields,
    requirePhone: config.requirePhone ?? false,
    invalidValues: config.invalidValues ?? 'drop',
    update: {
      arrays: config.update?.arrays ?? 'keep',
      conflicts: config.update?.conflicts ?? 'workspace',
      fields: fieldUpdateModes(config),
    },
    ...(config.matchExisting !== undefined && { matchExisting: [...new Set(config.matchExisting)] }),
    csv: {
      delimiter: config.csv?.delimiter,
      encoding: config.csv?.encoding ?? 'utf-8',
      headerLine: config.csv?.headerLine ?? 1,
      sheet: config.csv?.sheet,
    },
    api: resolvedApi(config),
    columnUses: uses,
    usedColumns: [...new Set(uses.map((u) => u.column))],
  };
}
