import { LIST_MAX_RESULTS, type Contact } from '../api/contract.js';
import type { ApiClient } from '../api/client.js';
import { oddBody, readResult, readStopsJob, type ReadFailure } from '../api/read-failure.js';
import { contactsPage } from '../api/lookup.js';

/**
 * Every contact of the workspace: GET /v1/contacts without a filter, 50 a
 * page, following nextPageToken (one request per 50 contacts, at the rate
 * limit like any other). Each page is handed on as it comes, so the caller
 * keeps only what it needs. A page the API will not give stops the job
 * (exit 3): matching on half a workspace would create duplicates of the rest.
 */
export async function listContacts(
  api: ApiClient,
  onPage: (contacts: readonly Contact[], pages: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  let pageToken: string | null = null;
  let pages = 0;
  for (;;) {
    const page = await readContactsPage(api, pageToken, 'listing', signal);
    const where = `reading the workspace's contacts (page ${pages + 1})`;
    if (page.kind === 'failed') throw readStopsJob('LISTING_FAILED', where, page.failure);
    pages++;
    onPage(page.data, pages);
    pageToken = page.nextPageToken;
    if (pageToken === null) return pages;
  }
}

/**
 * One page of the workspace's contacts (50), after `pageToken`: the page, or
 * why not. Listing pages through them; a look at
 * the first page (init, the warning of a first run) reads one.
 */
export async function readContactsPage(
  api: ApiClient,
  pageToken: string | null,
  count: 'listing' | 'checks',
  signal?: AbortSignal,
): Promise<{ kind: 'page'; data: Contact[]; nextPageToken: string | null } | { kind: 'failed'; failure: ReadFailure }> {
  const searchParams = new URLSearchParams({ maxResults: String(LIST_MAX_RESULTS) });
  if (pageToken !== null) searchParams.set('pageToken', pageToken);
  const r = await api.call({ method: 'GET', path: 'v1/contacts', searchParams }, { count, ...(signal && { signal }) });
  const read = readResult(r);
  if (read.kind === 'failed') return read;
  const page = contactsPage(read.body);
  return page === undefined ? { kind: 'failed', failure: oddBody('a page of contacts') } : { kind: 'page', ...page };
}
