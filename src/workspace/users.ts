import { USERS_MAX_RESULTS, type User } from '../api/contract.js';
import type { ApiClient } from '../api/client.js';
import { oddBody, readResult, readStopsJob } from '../api/read-failure.js';

/**
 * Every user of the workspace: GET /v1/users, 50 a page, following
 * nextPageToken. Read once a run, when the config maps an owner column. A page
 * the API will not give stops the job (exit 3): owners matched against half
 * the users would fall to the default in silence.
 */
export async function listUsers(api: ApiClient, signal?: AbortSignal): Promise<User[]> {
  const users: User[] = [];
  let pageToken: string | null = null;
  for (let page = 1; ; page++) {
    const searchParams = new URLSearchParams({ maxResults: String(USERS_MAX_RESULTS) });
    if (pageToken !== null) searchParams.set('pageToken', pageToken);
    const r = await api.call(
      { method: 'GET', path: 'v1/users', searchParams },
      { count: 'checks', ...(signal && { signal }) },
    );
    const where = `reading the workspace's users for config owner (page ${page})`;
    const read = readResult(r);
    if (read.kind === 'failed') throw readStopsJob('USERS_FAILED', where, read.failure);
    const body = (read.body ?? {}) as { data?: unknown; nextPageToken?: unknown };
    if (!Array.isArray(body.data)) throw readStopsJob('USERS_FAILED', where, oddBody('a page of users'));
    for (const u of body.data as Partial<User>[]) {
      if (typeof u.id === 'string')
        users.push({
          id: u.id,
          email: u.email ?? null,
          firstName: u.firstName ?? null,
          lastName: u.lastName ?? null,
          role: u.role ?? null,
        });
    }
    pageToken = typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : null;
    if (pageToken === null) return users;
  }
}

/** What an owner cell names: a user, several (a full name two users share), or nobody. */
export type OwnerMatch =
  | { readonly kind: 'user'; readonly user: User }
  | { readonly kind: 'ambiguous'; readonly users: readonly User[] }
  | { readonly kind: 'none' };

const key = (text: string) => text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The workspace's users by what a CRM's owner column holds: an e-mail, or a
 * full name ("Ada Lovelace"), matched without regard to case or spacing. A
 * name two users share names neither. Pure.
 */
export class UserDirectory {
  private readonly byEmail = new Map<string, User>();
  private readonly byName = new Map<string, User[]>();

  constructor(readonly users: readonly User[]) {
    for (const u of users) {
      if (u.email) this.byEmail.set(key(u.email), u);
      const name = key(`${u.firstName ?? ''} ${u.lastName ?? ''}`);
      if (name !== '') this.byName.set(name, [...(this.byName.get(name) ?? []), u]);
    }
  }

  match(cell: string): OwnerMatch {
    const k = key(cell);
    const byEmail = this.byEmail.get(k);
    if (byEmail) return { kind: 'user', user: byEmail };
    const named = this.byName.get(k) ?? [];
    if (named.length === 1) return { kind: 'user', user: named[0]! };
    if (named.length > 1) return { kind: 'ambiguous', users: named };
    return { kind: 'none' };
  }

  /** The users as a person reads them in a message: "ada@acme.example (Ada Lovelace)", the first `max`. */
  describe(max = 20): string {
    const shown = this.users
      .slice(0, max)
      .map(
        (u) =>
          `${u.email ?? u.id}${u.firstName || u.lastName ? ` (${[u.firstName, u.lastName].filter(Boolean).join(' ')})` : ''}`,
      );
    return `${shown.join(', ')}${this.users.length > max ? `, and ${this.users.length - max} more` : ''}`;
  }
}
