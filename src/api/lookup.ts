import { z } from 'zod';
import { LIST_MAX_RESULTS, LOOKUP_MAX_IDS, type Contact, contactSchema } from './contract.js';
import type { ApiClient } from './client.js';
import { describeApiError } from './api-error.js';

/**
 * "Does a contact with this externalId exist?", batched: ids asked for within
 * a few milliseconds of each other share one GET /v1/contacts?externalIds=…
 * (at most 20: the live API answers 400 to more), through the API client like
 * every other request.
 */
/** What a lookup says: the contacts with the externalId (none, one, or several), or why the API could not say. */
export type LookupResult =
  { readonly kind: 'found'; readonly contacts: Contact[] } | { readonly kind: 'failed'; readonly why: string };

export class LookupBatcher {
  private pending = new Map<string, { resolve: (r: LookupResult) => void; reject: (err: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: ApiClient,
    /** How long the first id waits for others: at 10 requests/s a request's slot is 100 ms anyway. */
    private readonly gatherMs = 50,
  ) {}

  /**
   * The contacts with this externalId, oldest first: none, one, or (a server
   * without the uniqueness rule) several; or why the API could not say. Rejects only on a bug.
   */
  find(externalId: string): Promise<LookupResult> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(externalId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(externalId, waiters);
      if (this.pending.size >= LOOKUP_MAX_IDS) this.fire();
      else this.timer ??= setTimeout(() => this.fire(), this.gatherMs);
    });
  }

  private fire(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = new Map([...this.pending].slice(0, LOOKUP_MAX_IDS));
    for (const id of batch.keys()) this.pending.delete(id);
    if (this.pending.size > 0) this.timer = setTimeout(() => this.fire(), 0);
    this.query([...batch.keys()]).then(
      (result) => {
        for (const [id, waiters] of batch)
          for (const w of waiters)
            w.resolve(result.kind === 'failed' ? result : { kind: 'found', contacts: result.found.get(id) ?? [] });
      },
      (err) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  }

  /** One batch; every page is read. */
  private async query(
    ids: string[],
  ): Promise<{ kind: 'found'; found: Map<string, Contact[]> } | { kind: 'failed'; why: string }> {
    const failed = (why: string) => ({ kind: 'failed' as const, why: `lookup: ${why}` });
    const asked = new Set(ids);
    const found = new Map<string, Contact[]>();
    const seen = new Set<string>();
    let pageToken: string | null = null;
    for (;;) {
      const searchParams = new URLSearchParams(ids.map((id): [string, string] => ['externalIds', id]));
      searchParams.set('maxResults', String(LIST_MAX_RESULTS));
      if (pageToken) searchParams.set('pageToken', pageToken);
      const r = await this.api.call({ method: 'GET', path: 'v1/contacts', searchParams }, { count: 'lookups' });
      if (r.kind === 'gaveUp') return failed(r.message);
      if (r.kind !== 'answer') return failed('not sent');
      if (r.res.status !== 200) return failed(describeApiError(r.res.status, r.res.body).message);
      const page = contactsPage(r.res.body);
      // Only a well-formed answer may say "absent": an HTML page or a proxy's answer says nothing.
      if (page === undefined) return failed('the API answered 200 with a body that is not a page of contacts');
      // A filter the API ignored (it answers an unfiltered page) must not pass another contact off as this one.
      for (const c of page.data) {
        if (c.externalId === null || !asked.has(c.externalId) || seen.has(c.id)) continue;
        seen.add(c.id);
        found.set(c.externalId, [...(found.get(c.externalId) ?? []), c]);
      }
      pageToken = page.nextPageToken;
      if (pageToken === null) {
        for (const list of found.values()) list.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
        return { kind: 'found', found };
      }
    }
  }
}

/** A page of contacts as the API answers it, or undefined for anything else (an HTML page, a proxy's answer). */
export function contactsPage(body: unknown): { data: Contact[]; nextPageToken: string | null } | undefined {
  const parsed = contactsPageSchema.safeParse(body);
  return parsed.success
    ? { data: parsed.data.data as Contact[], nextPageToken: parsed.data.nextPageToken ?? null }
    : undefined;
}

const contactsPageSchema = z.object({ data: z.array(contactSchema), nextPageToken: z.string().nullable().optional() });
