import { LIST_MAX_RESULTS, type Contact } from '../api/contract.js';
import type { ApiClient } from '../api/client.js';
import { JobAbortedError } from '../errors.js';
import { describeApiError } from '../send/api-error.js';
import { contactsPage } from '../send/lookup.js';

/**
 * Every contact of the workspace: GET /v1/contacts without a filter, 50 a
 * page, following nextPageToken (one request per 50 contacts, at the rate
 * limit like any other). Each page is handed on as it comes, so the caller
 * keeps only what it needs. A page the API will not give stops the job
 * (exit 3): matching on half a workspace would create duplicates of the rest.
 */
export async function listContacts(api: ApiClient, onPage: (contacts: readonly Contact[], pages: number) => void, signal?: AbortSignal): Promise<number> {
  let pageToken: string | null = null;
  let pages = 0;
  for (;;) {
    const searchParams = new URLSearchParams({ maxResults: String(LIST_MAX_RESULTS) });
    if (pageToken !== null) searchParams.set('pageToken', pageToken);
    const r = await api.call({ method: 'GET', path: 'v1/contacts', searchParams }, { count: 'listing', ...(signal && { signal }) });
    const where = `reading the workspace's contacts (page ${pages + 1})`;
    if (r.kind === 'gaveUp') throw new JobAbortedError('LISTING_FAILED', `${where}: ${r.message}; nothing was sent. Rerun when the API answers.`);
    if (r.kind !== 'answer') throw new JobAbortedError('LISTING_FAILED', `${where} was stopped; nothing was sent`);
    if (r.res.status !== 200) throw new JobAbortedError('LISTING_FAILED', `${where}: ${describeApiError(r.res.status, r.res.body).message}; nothing was sent`);
    const page = contactsPage(r.res.body);
    if (page === undefined) throw new JobAbortedError('LISTING_FAILED', `${where}: the API answered 200 with a body that is not a page of contacts; nothing was sent`);
    pages++;
    onPage(page.data, pages);
    pageToken = page.nextPageToken;
    if (pageToken === null) return pages;
  }
}
