import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { CustomFieldType } from '../api/contract.js';
import { hasEscapedBytes } from '../csv/escaped-bytes.js';
import { checkInputFile, openCsv } from '../csv/read-csv.js';
import type { Log } from '../log.js';
import { ApiClient } from '../api/client.js';
import { ImportError, UsageError } from '../errors.js';
import { RateLimiter, realClock } from '../send/rate-limiter.js';
import { RequestStats } from '../send/request-stats.js';
import { gotTransport } from '../send/transport.js';
import { readContactsPage } from '../workspace/list-contacts.js';
import { buildConfig, type InitResult } from './build-config.js';
import { findHeaderLine } from './find-header.js';

export interface InitOptions {
  readonly input: string;
  readonly out: string;
  readonly force: boolean;
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly packageRoot: string;
  readonly log: Log;
  readonly sampleSize?: number;
}

async function sample(input: string, encoding: string, size: number) {
  await checkInputFile(input);
  const headerLine = await findHeaderLine(input, encoding);
  const csv = await openCsv(input, { encoding, headerLine });
  const rows: string[][] = [];
  for await (const item of csv.items) {
    if (item.kind === 'record') rows.push([...item.fields]);
    if (rows.length >= size) break;
  }
  return { csv, rows, headerLine };
}

/** Reads the header and a sample, asks the workspace for its custom fields if it can, writes a config. */
export async function initConfig(o: InitOptions): Promise<InitResult & { encodingNote: string }> {
  if (existsSync(o.out) && !o.force) throw new UsageError('INIT_OUT_EXISTS', `${o.out} exists: not overwritten (pass --force, or --out another file)`);
  const size = o.sampleSize ?? 500;
  let { csv, rows, headerLine } = await sample(o.input, 'utf-8', size);
  let encodingNote = `csv.encoding: ${csv.encoding}${csv.encoding === 'utf-8' ? '' : ' (from the byte order mark)'}`;
  // Bytes that are not UTF-8 (U+FFFD after decoding) mean an Excel-style export.
  if (csv.encoding === 'utf-8' && (csv.header.some(hasEscapedBytes) || rows.some((r) => r.some(hasEscapedBytes)))) {
    ({ csv, rows, headerLine } = await sample(o.input, 'windows-1252', size));
    encodingNote = 'csv.encoding: windows-1252: the file is not valid UTF-8 (an Excel export on Windows, most likely); check accented names in a dry run';
  }
  let customFields: { name: string; key: string; type: CustomFieldType }[] | undefined;
  let appMade: { count: number; more: boolean } | undefined;
  if (o.apiKey) {
    // The same client as an import's: the rate limit, 429 pauses and retries apply here too.
    const api = new ApiClient({
      transport: gotTransport(o.baseUrl, o.apiKey, 15_000, 2),
      limiter: new RateLimiter(10),
      stats: new RequestStats(),
      retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 5_000 },
      clock: realClock,
      random: Math.random,
      settleMs: 30_000,
    });
    try {
      const r = await api.call({ method: 'GET', path: 'v1/contact-custom-fields' }, { count: 'checks' });
      if (r.kind === 'answer' && r.res.status === 200) customFields = (r.res.body as { data: typeof customFields }).data;
      else o.log.warn(`could not read the workspace's custom fields (${r.kind === 'answer' ? `the API answered ${r.res.status}` : r.kind === 'gaveUp' ? r.message : 'stopped'}); columns are not matched to them`);
      // One page of the workspace's contacts: contacts without an externalId (the app's, its CSV import's) would be duplicated.
      const page = await readContactsPage(api, null, 'checks');
      if (!('failed' in page)) appMade = { count: page.data.filter((c) => c.externalId === null).length, more: page.nextPageToken !== null };
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      o.log.warn(`could not read the workspace's custom fields (${err.message}); columns are not matched to them`);
    }
  }
  const schemaPath = relative(dirname(resolve(o.out)), join(o.packageRoot, 'config.schema.json'));
  const built = buildConfig({ header: csv.header, sample: rows, delimiter: csv.delimiter, encoding: csv.encoding, headerLine, schemaPath, ...(customFields && { customFields }) });
  const result = appMade !== undefined && appMade.count > 0 ? proposeMatching(built, appMade) : built;
  writeFileSync(o.out, `${JSON.stringify(result.config, null, 2)}\n`);
  return { ...result, encodingNote };
}

/** The workspace has contacts without an externalId: the config matches on what it maps (phone, e-mail), and says why. */
function proposeMatching(r: InitResult, appMade: { count: number; more: boolean }): InitResult {
  const df = r.config.defaultFields;
  const keys = [...(df.phoneNumbers?.length ? (['phone'] as const) : []), ...(df.emails?.length ? (['email'] as const) : [])];
  if (keys.length === 0) return r;
  const found = `${appMade.count}${appMade.more ? ' or more' : ''}`;
  return {
    ...r,
    config: { ...r.config, matchExisting: keys },
    notes: [...r.notes, `matchExisting: ${JSON.stringify(keys)}: the workspace already has contacts without an externalId (${found} in its first page, made in the app or by its CSV import); a record matching exactly one of them by ${keys.join(' or ')} adopts it instead of making a second one, and ambiguous matches go to review.csv. Remove "matchExisting" to create every record anew`],
  };
}
