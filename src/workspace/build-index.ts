import { LIST_MAX_RESULTS } from '../api/contract.js';
import type { ApiClient } from '../api/client.js';
import type { MatchKey, ResolvedConfig } from '../config/resolved.js';
import type { Log } from '../log.js';
import { WorkspaceIndex } from './index.js';
import { listContacts, readContactsPage } from './list-contacts.js';

/**
 * Lists the workspace once and indexes it for matching (--match-existing):
 * one request per 50 contacts, with a line of progress every 20 pages.
 */
export async function buildIndex(api: ApiClient, config: ResolvedConfig, keys: readonly MatchKey[], log: Log, signal?: AbortSignal): Promise<WorkspaceIndex> {
  // The workspace's numbers written without +country code are read in the config's default country.
  const country = config.phoneNumbers.find((p) => p.defaultCountry !== undefined)?.defaultCountry;
  const index = new WorkspaceIndex(keys, country);
  log.info(`matching existing contacts by ${keys.join(' and ')}: reading the workspace's contacts (one request per ${LIST_MAX_RESULTS})`);
  const pages = await listContacts(
    api,
    (contacts, page) => {
      for (const c of contacts) index.add(c);
      if (page % 20 === 0) log.info(`  ${index.size} contacts read`);
    },
    signal,
  );
  log.info(`  ${index.size} contacts read in ${pages} request(s), ${index.withoutExternalId} without an externalId (these can be adopted)`);
  return index;
}

/**
 * The first run of a job that does not match: one page of the workspace is
 * read, and a workspace that has contacts without an externalId gets one
 * warning, since the job would make second contacts of any it has.
 */
export async function warnIfNotEmpty(api: ApiClient, log: Log, signal?: AbortSignal): Promise<void> {
  const page = await readContactsPage(api, null, 'checks', signal);
  if (page.kind === 'failed') return;
  const without = page.data.filter((c) => c.externalId === null).length;
  if (without === 0) return;
  log.warn(`the workspace already has contacts without an externalId (${without}${page.nextPageToken ? ' or more' : ''} in its first page): any of them that is also in this file is created a second time. To adopt them instead, add --match-existing phone,email (or "matchExisting": ["phone", "email"] in the config).`);
}
