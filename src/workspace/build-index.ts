import { DEFAULT_SOURCE, LIST_MAX_RESULTS } from '../api/contract.js';
import type { ApiClient } from '../api/client.js';
import type { MatchKey, ResolvedConfig, TextSource } from '../config/resolved.js';
import type { Log } from '../log.js';
import { WorkspaceIndex } from './index.js';
import { listContacts, readContactsPage } from './list-contacts.js';
import { readStopsJob } from '../api/read-failure.js';
import { UsageError } from '../errors.js';

/** The source every record of the config gets, or undefined when a template gives each its own. */
export const jobSourceOf = (source: TextSource | undefined): string | undefined =>
  source === undefined ? DEFAULT_SOURCE : source.kind === 'constant' ? source.value : undefined;

/**
 * Lists the workspace once and indexes it for matching (--match-existing):
 * one request per 50 contacts, with a line of progress every 20 pages.
 */
export async function buildIndex(
  api: ApiClient,
  config: ResolvedConfig,
  keys: readonly MatchKey[],
  log: Log,
  signal?: AbortSignal,
  jobHolds?: (externalId: string) => boolean,
): Promise<WorkspaceIndex> {
  // The workspace's numbers written without +country code are read in the config's default country.
  const country = config.phoneNumbers.find((p) => p.defaultCountry !== undefined)?.defaultCountry;
  const index = new WorkspaceIndex(keys, country, jobHolds);
  log.info(
    `matching existing contacts by ${keys.join(' and ')}: reading the workspace's contacts (one request per ${LIST_MAX_RESULTS})`,
  );
  const pages = await listContacts(
    api,
    (contacts, page) => {
      for (const c of contacts) index.add(c);
      if (page % 20 === 0) log.info(`  ${index.size} contacts read`);
    },
    signal,
  );
  log.info(
    `  ${index.size} contacts read in ${pages} request(s), ${index.withoutExternalId} without an externalId (these can be adopted)`,
  );
  return index;
}

/** Pages a first run without a matching choice reads to count the contacts it would duplicate (500 contacts, about a second). */
export const FIRST_RUN_PAGES = 10;

/**
 * A job's first run into a workspace that has contacts without an externalId
 * (the app's, its CSV import's), with no matching chosen, stops before it
 * sends anything (exit 2): any of them that is also in the file would be
 * created a second time. The person chooses: match, or create anyway.
 *
 * Returns the contacts of the job's own source it read (`jobSource`, when the
 * config gives every record the same), by externalId: none of a first run's
 * making. The import learns of them from its creates' 409s; the dry run, which
 * sends none, from these.
 */
export async function checkFirstRun(
  api: ApiClient,
  jobSource: string | undefined,
  signal?: AbortSignal,
): Promise<ReadonlyMap<string, string>> {
  let withoutId = 0;
  const ofJobSource = new Map<string, string>();
  let pageToken: string | null = null;
  for (let page = 0; page < FIRST_RUN_PAGES; page++) {
    const read = await readContactsPage(api, pageToken, 'checks', signal);
    if (read.kind === 'failed')
      throw readStopsJob('LISTING_FAILED', "reading the workspace's contacts before a first run", read.failure);
    for (const c of read.data) {
      if (c.externalId === null) withoutId++;
      else if (c.source === jobSource) ofJobSource.set(c.externalId, c.id);
    }
    pageToken = read.nextPageToken;
    if (pageToken === null) break;
  }
  if (withoutId === 0) return ofJobSource;
  const many = `${withoutId}${pageToken !== null ? ' or more' : ''}`;
  throw new UsageError(
    'FIRST_RUN_UNMATCHED',
    `the workspace already has ${many} contact(s) without an externalId (made in the app or by its CSV import), and this job's first run matches none: any of them that is also in the file would be created a second time. Nothing was sent`,
    {
      hint: 'adopt them: add --match-existing phone,email (or "matchExisting": ["phone", "email"] in the config); or create every record anew: --match-existing none (or "matchExisting": [])',
    },
  );
}
