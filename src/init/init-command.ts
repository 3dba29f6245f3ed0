import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { mergeConfig, withProposedColumns } from './update-config.js';
import { dirname, join, relative, resolve } from 'node:path';
import type { CustomFieldType } from '../api/contract.js';
import { hasEscapedBytes } from '../csv/escaped-bytes.js';
import { distinctColumnNames } from '../csv/header.js';
import { openCsv } from '../input/read-csv.js';
import { inputFormat } from '../input/open-input.js';
import { openVcard } from '../input/read-vcard.js';
import type { Log } from '../log.js';
import { ImportError, UsageError } from '../errors.js';
import { API_DEFAULTS } from '../config/resolved.js';
import { jobApiClient } from '../job/job-api-client.js';
import { Runner } from '../job/runner.js';
import { readContactsPage } from '../workspace/list-contacts.js';
import { readResult } from '../api/read-failure.js';
import { listUsers, UserDirectory } from '../workspace/users.js';
import { buildConfig, type InitResult } from './build-config.js';
import { findHeaderLine, headerRowAmong } from './find-header.js';
import { decodedFrom, reportDelimiter } from '../input/table.js';

export interface InitOptions {
  readonly input: string;
  readonly out: string;
  readonly force: boolean;
  /** Add what the export proposes to the config at `out`, keeping every hand edit (init --update). */
  readonly update?: boolean;
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly packageRoot: string;
  readonly log: Log;
  readonly sampleSize?: number;
}

async function sample(input: string, encoding: string, size: number) {
  const format = await inputFormat(input);
  const xlsx = format === 'xlsx' ? await import('../input/read-xlsx.js') : undefined;
  const headerLine =
    format === 'vcard'
      ? 1
      : xlsx
        ? headerRowAmong(await xlsx.firstRows(input, undefined, 30))
        : await findHeaderLine(input, encoding);
  const csv =
    format === 'vcard'
      ? await openVcard(input, encoding)
      : xlsx
        ? await xlsx.openXlsx(input, { headerLine })
        : await openCsv(input, { encoding, headerLine });
  // A name the header repeats is proposed by its place ("Phone (2)"), as the run reads it (csv/header.ts).
  const header = distinctColumnNames(csv.header);
  const rows: string[][] = [];
  /** Per column, the sample's cells a workbook stores as numbers, and their texts. */
  const numberCells = new Map<string, Set<string>>();
  for await (const item of csv.items) {
    if (item.kind !== 'record') continue;
    rows.push([...item.fields]);
    for (const at of item.numberCells ?? [])
      numberCells.set(header[at]!, (numberCells.get(header[at]!) ?? new Set()).add(item.fields[at]!));
    if (rows.length >= size) break;
  }
  return { csv, header, rows, headerLine, numberCells };
}

/**
 * The sample init proposes a config from, how the file was read, and in what
 * encoding: a CSV whose bytes are not UTF-8 (escaped bytes after decoding) is
 * an Excel-style export, and vCards whose values are not (U+FFFD) and name no
 * CHARSET are Outlook's on Windows: sampled again as windows-1252.
 */
async function sampleInput(input: string, size: number) {
  const first = await sample(input, 'utf-8', size);
  const { csv, rows } = first;
  const read = csv.writeBack;
  if (
    read.format === 'csv' &&
    read.encoding === 'utf-8' &&
    (csv.header.some(hasEscapedBytes) || rows.some((r) => r.some(hasEscapedBytes)))
  )
    return {
      ...(await sample(input, 'windows-1252', size)),
      encoding: 'windows-1252',
      encodingNote:
        'csv.encoding: windows-1252: the file is not valid UTF-8 (an Excel export on Windows, most likely); check accented names in a dry run',
    };
  if (read.format === 'vcard' && rows.some((r) => r.some((cell) => cell.includes('\uFFFD'))))
    return {
      ...(await sample(input, 'windows-1252', size)),
      encoding: 'windows-1252',
      encodingNote: `csv.encoding: windows-1252: the cards' values are not valid UTF-8 and name no CHARSET (Outlook on Windows writes them so); check accented names in a dry run`,
    };
  const encodingNote =
    read.format === 'csv'
      ? `csv.encoding: ${read.encoding}${read.encoding === 'utf-8' ? '' : ' (from the byte order mark)'}`
      : read.format === 'vcard'
        ? `vCards: ${csv.estimatedRecords() ?? 0} cards, read as a table with Google Contacts' column names`
        : 'an Excel workbook (.xlsx): its first sheet is read';
  return { ...first, encoding: decodedFrom(read), encodingNote };
}

/** What init asks of the workspace, with a key: custom fields, app-made contacts on the first page, users. */
interface WorkspaceFacts {
  customFields?: { name: string; key: string; type: CustomFieldType }[] | undefined;
  appMade?: { count: number; more: boolean };
  users?: UserDirectory | undefined;
}

/**
 * The workspace as init sees it, with the same client as an import's and a
 * run's default settings (the rate limit, 429 pauses and retries apply here
 * too). What cannot be read is a warning: init proposes without it.
 */
async function readWorkspace(options: InitOptions, apiKey: string): Promise<WorkspaceFacts> {
  const { api } = jobApiClient(
    { api: { ...API_DEFAULTS, baseUrl: options.baseUrl }, apiKey },
    options.baseUrl,
    new Runner({ concurrency: 1 }),
  );
  const facts: WorkspaceFacts = {};
  const fieldsUnread = (why: string) =>
    options.log.warn(
      `could not read the workspace's custom fields (${why}); columns are not matched to them`,
      'CUSTOM_FIELDS_UNREAD',
    );
  try {
    const read = readResult(await api.call({ method: 'GET', path: 'v1/contact-custom-fields' }, { count: 'checks' }));
    if (read.kind === 'body')
      facts.customFields = (read.body as { data?: WorkspaceFacts['customFields'] } | null)?.data;
    else fieldsUnread(read.failure.why);
    // One page of the workspace's contacts: contacts without an externalId (the app's, its CSV import's) would be duplicated.
    const page = await readContactsPage(api, null, 'checks');
    if (page.kind === 'page')
      facts.appMade = {
        count: page.data.filter((c) => c.externalId === null).length,
        more: page.nextPageToken !== null,
      };
    // The workspace's users: how many of the sample's owners init's owner mapping would find.
    facts.users = await listUsers(api).then(
      (list) => new UserDirectory(list),
      (err: unknown) => {
        if (!(err instanceof ImportError)) throw err;
        options.log.warn(
          `could not read the workspace's users (${err.message}); owners are not checked`,
          'OWNERS_UNREAD',
        );
        return undefined;
      },
    );
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    fieldsUnread(err.message);
  }
  return facts;
}

/** Reads the header and a sample, asks the workspace for its custom fields if it can, writes a config. */
export async function initConfig(
  options: InitOptions,
): Promise<InitResult & { encodingNote: string; added?: readonly string[]; backup?: string }> {
  const existing = options.update ? readExistingConfig(options.out) : undefined;
  if (!options.update && existsSync(options.out) && !options.force)
    throw new UsageError('INIT_OUT_EXISTS', `${options.out} exists: not overwritten`, {
      hint: 'pass --update to add what the export has to it, keeping your edits; --force to replace it; or --out another file',
    });
  const { csv, header, rows, headerLine, numberCells, encoding, encodingNote } = await sampleInput(
    options.input,
    options.sampleSize ?? 500,
  );
  const { customFields, appMade, users } = options.apiKey
    ? await readWorkspace(options, options.apiKey)
    : ({} as WorkspaceFacts);
  const schemaPath = relative(dirname(resolve(options.out)), join(options.packageRoot, 'config.schema.json'));
  const built = buildConfig({
    header,
    sample: rows,
    delimiter: reportDelimiter(csv.writeBack),
    encoding,
    format: csv.writeBack.format,
    headerLine,
    schemaPath,
    numberCells,
    ...(customFields && { customFields }),
  });
  const matched = proposeMatching(built, appMade);
  const result = withOwnerCheck(matched, users, header, rows);
  if (existing !== undefined) {
    const { config, added } = mergeConfig(existing.config, result.config);
    // The person's own file: the version before the update is kept beside it.
    const backup = `${options.out}.before-update`;
    copyFileSync(options.out, backup);
    writeFileSync(options.out, `${JSON.stringify(config, null, 2)}\n`);
    return { ...result, config, encodingNote, added, backup };
  }
  const config = withProposedColumns(result.config);
  writeFileSync(options.out, `${JSON.stringify(config, null, 2)}\n`);
  return { ...result, config, encodingNote };
}

/** The config init --update adds to: it must be there and valid (its problems are the loader's, with their config paths). */
function readExistingConfig(file: string): { config: Config } {
  if (!existsSync(file))
    throw new UsageError('INIT_UPDATE_NO_CONFIG', `--update: found no config at ${file}`, {
      hint: 'run init without --update to write one, or name yours with --out',
    });
  loadConfig(file);
  return { config: JSON.parse(readFileSync(file, 'utf8')) as Config };
}

/**
 * The config matches on what it maps (phone, e-mail), with or without the key:
 * a workspace is seldom empty (the app and its CSV import add contacts without
 * an externalId), and a first run that matches nothing would duplicate them.
 * With the key, the note says how many the workspace has.
 */
function proposeMatching(r: InitResult, appMade: { count: number; more: boolean } | undefined): InitResult {
  const df = r.config.defaultFields;
  const keys = [
    ...(df.phoneNumbers?.length ? (['phone'] as const) : []),
    ...(df.emails?.length ? (['email'] as const) : []),
  ];
  if (keys.length === 0) return r;
  const seen =
    appMade === undefined
      ? 'a workspace seldom starts empty (the app and its CSV import add contacts without an externalId)'
      : appMade.count === 0
        ? 'the workspace has no contact without an externalId in its first page today, but the app and its CSV import add them'
        : `the workspace already has contacts without an externalId (${appMade.count}${appMade.more ? ' or more' : ''} in its first page, made in the app or by its CSV import)`;
  return {
    ...r,
    config: { ...r.config, matchExisting: keys },
    notes: [
      ...r.notes,
      `matchExisting: ${JSON.stringify(keys)}: ${seen}; a record matching exactly one of them by ${keys.join(' or ')}, under the same name, adopts it instead of making a second one, and the rest go to review.csv. Set "matchExisting": [] to create every record anew`,
    ],
  };
}

/** With the key: how many of the sample's owners are users of the workspace, and which are not, so the person knows before any run. */
function withOwnerCheck(
  built: InitResult,
  users: UserDirectory | undefined,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): InitResult {
  const owner = built.config.owner;
  if (owner === undefined || users === undefined) return built;
  const at = header.indexOf(owner.column);
  const cells = [...new Set(rows.map((r) => (r[at] ?? '').trim()).filter(Boolean))];
  const missing = cells.filter((c) => users.match(c).kind !== 'user');
  const note =
    missing.length === 0
      ? `owner: every owner in the sample (${cells.length}) is a user of the workspace`
      : `WARNING: owner: ${missing.length} of the ${cells.length} owners in the sample match no single user of the workspace: ${missing
          .slice(0, 10)
          .map((m) => JSON.stringify(m))
          .join(', ')}; their contacts get the default owner. The workspace's users: ${users.describe(10)}`;
  return { ...built, notes: [...built.notes, note] };
}
