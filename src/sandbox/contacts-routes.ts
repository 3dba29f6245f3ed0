import {
  DEFAULT_SOURCE,
  LIST_MAX_RESULTS,
  LOOKUP_MAX_IDS,
  USERS_MAX_RESULTS,
  type ContactPatch,
  type ContactRequest,
  type User,
} from '../api/contract.js';
import { ContactStore, UnknownItemError, type PatchArrays } from './contact-store.js';
import { type Contact } from '../api/contract.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import { CONFLICT_BODY, envelope, type FieldError } from './envelope.js';
import { validateContactBody, type ValidationResult } from './validate-contact.js';
import type { FaultRoute } from './faults.js';

/** A contact the workspace has before the job: a create's body, any source, with or without an externalId. */
export type ExistingContact = Omit<ContactRequest, 'source' | 'externalId' | 'defaultFields'> & {
  readonly source?: string;
  readonly externalId?: string | null;
  readonly defaultFields: Partial<ContactRequest['defaultFields']>;
};

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** The rules of the workspace behind the routes; the defaults are the live API's. */
/** How the sandbox enforces unique externalIds (SandboxOptions.uniqueExternalId). */
export type UniqueExternalId = 'off' | '409' | 'per-source';

export interface WorkspaceRules {
  /** '409' (live, default): a second contact with an externalId the workspace has is refused. 'off': accepted (a lenient mode for tests). */
  readonly uniqueExternalId: UniqueExternalId;
  readonly patchArrays: PatchArrays;
  /** The workspace's users: GET /v1/users lists them, GET /v1/users/{id} reads one. */
  readonly users: readonly User[];
  /** A 'late' create becomes visible at the latest this long after it arrived; undefined: only when a lookup has missed it, a resend arrives, or the sandbox stops. */
  readonly lateMs?: number;
}

const HTML_404: Reply = {
  status: 404,
  body: '<html><body><h1>404 Not Found</h1></body></html>',
  headers: { 'content-type': 'text/html' },
};

interface RouteRequest {
  readonly url: URL;
  readonly rawBody: string;
  readonly trace: string;
  /** The path's one parameter (a contact's or a user's id), decoded. */
  readonly param: string | undefined;
}

/**
 * The API's routes, once: what the gateway counts a request as (the fault
 * route its --faults rules name) and what answers it. A path or method not
 * here is the API's HTML 404.
 */
const ROUTES: readonly {
  readonly method: string;
  readonly path: RegExp;
  readonly fault: FaultRoute;
  readonly handle: (routes: ContactsRoutes, q: RouteRequest) => Reply;
}[] = [
  { method: 'GET', path: /^\/v1\/contact-custom-fields$/, fault: 'fields', handle: (r) => r.customFields() },
  { method: 'POST', path: /^\/v1\/contacts$/, fault: 'post', handle: (r, q) => r.create(q.rawBody, q.trace) },
  { method: 'GET', path: /^\/v1\/contacts$/, fault: 'get', handle: (r, q) => r.list(q.url, q.trace) },
  { method: 'GET', path: /^\/v1\/contacts\/([^/]+)$/, fault: 'get', handle: (r, q) => r.contact(q.param!, q.trace) },
  {
    method: 'PATCH',
    path: /^\/v1\/contacts\/([^/]+)$/,
    fault: 'patch',
    handle: (r, q) => r.patch(q.param!, q.rawBody, q.trace),
  },
  {
    method: 'DELETE',
    path: /^\/v1\/contacts\/([^/]+)$/,
    fault: 'delete',
    handle: (r, q) => r.deleteContact(q.param!, q.trace),
  },
  { method: 'GET', path: /^\/v1\/users$/, fault: 'users', handle: (r, q) => r.listUsers(q.url, q.trace) },
  { method: 'GET', path: /^\/v1\/users\/([^/]+)$/, fault: 'users', handle: (r, q) => r.user(q.param!, q.trace) },
];

/** The route a request takes: its fault route ('other' for none) and its handler with the path's parameter. */
export function findRoute(
  method: string,
  pathname: string,
): { fault: FaultRoute | 'other'; handle?: (routes: ContactsRoutes, q: RouteRequest) => Reply; param?: string } {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.path.exec(pathname);
    if (m) return { fault: r.fault, handle: r.handle, ...(m[1] !== undefined && { param: decodeURIComponent(m[1]) }) };
  }
  return { fault: 'other' };
}

/** The contacts API's routes over one workspace's store: what a request does, apart from the gateway (auth, rate, faults). */
export class ContactsRoutes {
  readonly store: ContactStore;
  /** Creates the server is still storing ('late' fault): not visible to a lookup yet. */
  private readonly late = new Map<string, { body: ContactRequest; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly definitions: readonly CustomFieldDefinition[],
    private readonly rules: WorkspaceRules,
  ) {
    this.store = new ContactStore(definitions, rules.users[0]?.id);
  }

  handle(method: string, url: URL, rawBody: string, trace: string): Reply {
    const found = findRoute(method, url.pathname);
    return found.handle === undefined ? HTML_404 : found.handle(this, { url, rawBody, trace, param: found.param });
  }

  customFields(): Reply {
    return { status: 200, body: { data: this.definitions } };
  }

  user(id: string, trace: string): Reply {
    const found = this.rules.users.find((u) => u.id === id);
    return found
      ? { status: 200, body: { data: userBody(found) } }
      : { status: 404, body: envelope(404, 'User not found', trace) };
  }

  /**
   * Contacts the workspace had before the job (the app, its CSV import, another
   * tool): stored as they are, made `ageMs` ago, without the create's checks
   * (the in-app import's source `csv-v2` is one an API client may not send).
   */
  preload(contacts: readonly ExistingContact[], ageMs = 3_600_000): void {
    const at = new Date(Date.now() - ageMs);
    for (const c of contacts)
      this.store.create({ ...c, defaultFields: { firstName: null, ...c.defaultFields } } as ContactRequest, at);
  }

  /**
   * The 'late' fault: the create is accepted but stored only once a lookup has
   * missed it (or a resend arrives, or `lateMs` passes if set), as a server still busy
   * with a request the client gave up on. Returns false when the body would be refused anyway.
   */
  createLate(rawBody: string): boolean {
    const body = parseBody(rawBody);
    if (body === undefined || validateContactBody(body, this.definitions, 'POST').kind !== 'valid') return false;
    const request = body as ContactRequest;
    if (!request.externalId || this.late.has(request.externalId)) {
      this.store.create(request, new Date());
      return true;
    }
    const id = request.externalId;
    const lateMs = this.rules.lateMs;
    this.late.set(id, {
      body: request,
      ...(lateMs !== undefined && { timer: setTimeout(() => this.settleLate([id]), lateMs).unref() }),
    });
    return true;
  }

  /** Stores every late create still pending (the sandbox stops). */
  settleAllLate(): void {
    this.settleLate([...this.late.keys()]);
  }

  private settleLate(externalIds: Iterable<string>): void {
    for (const id of externalIds) {
      const pending = this.late.get(id);
      if (pending === undefined) continue;
      clearTimeout(pending.timer);
      this.late.delete(id);
      if (this.holders(id, (pending.body as { source?: string }).source).length > 0) continue;
      this.store.create(pending.body, new Date());
    }
  }

  /**
   * The contacts a new one with this externalId (and source) would clash with:
   * '409' any with the externalId (v1, as observed); 'per-source' those of the
   * same source too (the dated API's rule: "same source and external ID");
   * 'off' none.
   */
  private holders(externalId: string, source: string | null | undefined): Contact[] {
    if (this.rules.uniqueExternalId === 'off') return [];
    const all = this.store.withExternalId(externalId);
    return this.rules.uniqueExternalId === '409' ? all : all.filter((c) => c.source === (source ?? DEFAULT_SOURCE));
  }

  create(rawBody: string, trace: string): Reply {
    const body = parseBody(rawBody);
    if (body === undefined)
      return { status: 400, body: envelope(400, 'Request body is not valid JSON', trace, undefined, '0800400') };
    const checked = validateContactBody(body, this.definitions, 'POST');
    if (checked.kind !== 'valid') return invalid(checked, trace);
    const request = body as ContactRequest;
    // A late create of the same externalId has been stored by the time a resend arrives.
    if (request.externalId) this.settleLate([request.externalId]);
    if (request.externalId && this.holders(request.externalId, request.source).length > 0) {
      return { status: 409, body: CONFLICT_BODY };
    }
    return { status: 201, body: { data: this.store.create(request, new Date()) } };
  }

  /** GET /v1/users: pages of at most USERS_MAX_RESULTS, the page token an offset. */
  listUsers(url: URL, trace: string): Reply {
    const maxRaw = url.searchParams.get('maxResults');
    const maxResults = maxRaw === null ? 10 : Number(maxRaw);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > USERS_MAX_RESULTS) {
      return {
        status: 400,
        body: envelope(
          400,
          'Invalid query',
          trace,
          [
            {
              path: '/maxResults',
              message: `Expected an integer from 1 to ${USERS_MAX_RESULTS}`,
              value: maxRaw,
              schema: { type: 'integer' },
            },
          ],
          '0800400',
        ),
      };
    }
    const from = Number(url.searchParams.get('pageToken') ?? '0');
    if (!Number.isInteger(from) || from < 0)
      return {
        status: 400,
        body: envelope(
          400,
          'Invalid page token',
          trace,
          [
            {
              path: '/pageToken',
              message: 'Expected a token this API gave',
              value: url.searchParams.get('pageToken'),
              schema: { type: 'string' },
            },
          ],
          '0800400',
        ),
      };
    const page = this.rules.users.slice(from, from + maxResults);
    const next = from + maxResults < this.rules.users.length ? String(from + maxResults) : null;
    return {
      status: 200,
      body: { data: page.map(userBody), totalItems: this.rules.users.length, nextPageToken: next },
    };
  }

  list(url: URL, trace: string): Reply {
    // Repeated keys are the only form the live API reads: `externalIds[]=` is a key of
    // its own, ignored like any unknown one, and the answer is an unfiltered page.
    const externalIds = url.searchParams.getAll('externalIds');
    const sources = url.searchParams.getAll('sources');
    const maxRaw = url.searchParams.get('maxResults');
    const maxResults = maxRaw === null ? 10 : Number(maxRaw);
    const errors: FieldError[] = [];
    if (externalIds.length > LOOKUP_MAX_IDS) {
      // The live query parser (qs, arrayLimit 20) turns 21 or more repeated keys into an object.
      errors.push({ path: '/externalIds', message: 'Expected array, received object', schema: { type: 'array' } });
    }
    externalIds.forEach((e, i) => {
      if (e.length < 1 || e.length > 75)
        errors.push({
          path: `/externalIds/${i}`,
          message: 'Expected a string of 1 to 75 characters',
          value: e,
          schema: { type: 'string' },
        });
    });
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIST_MAX_RESULTS)
      errors.push({
        path: '/maxResults',
        message: `Expected an integer from 1 to ${LIST_MAX_RESULTS}`,
        value: maxRaw,
        schema: { type: 'integer' },
      });
    if (errors.length > 0) return { status: 400, body: envelope(400, 'Invalid query', trace, errors, '0800400') };
    let matches =
      externalIds.length === 0
        ? this.store.all()
        : [...new Set(externalIds)].flatMap((e) => this.store.withExternalId(e));
    if (sources.length > 0) matches = matches.filter((c) => sources.includes(c.source));
    const token = url.searchParams.get('pageToken');
    const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0)
      return { status: 400, body: envelope(400, 'Invalid pageToken', trace, undefined, '0800400') };
    const page = matches.slice(offset, offset + maxResults);
    const next =
      offset + maxResults < matches.length ? Buffer.from(String(offset + maxResults)).toString('base64url') : null;
    // The lookup has missed them: late creates it asked about are stored now.
    this.settleLate(externalIds.length === 0 ? [...this.late.keys()] : externalIds);
    return { status: 200, body: { data: page, totalItems: matches.length, nextPageToken: next } };
  }

  contact(id: string, trace: string): Reply {
    const c = this.store.get(id);
    return c ? { status: 200, body: { data: c } } : contactNotFound(trace);
  }

  deleteContact(id: string, trace: string): Reply {
    return this.store.delete(id) ? { status: 204 } : contactNotFound(trace);
  }

  patch(id: string, rawBody: string, trace: string): Reply {
    const notFound = contactNotFound(trace);
    const body = parseBody(rawBody);
    if (body === undefined)
      return { status: 400, body: envelope(400, 'Request body is not valid JSON', trace, undefined, '0800400') };
    const checked = validateContactBody(body, this.definitions, 'PATCH');
    if (checked.kind !== 'valid') return invalid(checked, trace);
    // An externalId another contact holds is a conflict (the live rule is unknown: treated as the create's).
    const wanted = (body as ContactPatch).externalId;
    const source = (body as ContactPatch).source ?? this.store.get(id)?.source;
    if (typeof wanted === 'string' && this.holders(wanted, source ?? undefined).some((c) => c.id !== id)) {
      return { status: 409, body: CONFLICT_BODY };
    }
    try {
      const c = this.store.update(id, body as ContactPatch, new Date(), this.rules.patchArrays);
      return c ? { status: 200, body: { data: c } } : notFound;
    } catch (err) {
      if (!(err instanceof UnknownItemError)) throw err;
      return {
        status: 400,
        body: envelope(
          400,
          err.message,
          trace,
          [{ path: err.path, message: 'Unknown item id', value: err.itemId, schema: { type: 'string' } }],
          '0800400',
        ),
      };
    }
  }
}

const contactNotFound = (trace: string): Reply => ({ status: 404, body: envelope(404, 'Contact not found', trace) });

function invalid(checked: Exclude<ValidationResult, { kind: 'valid' }>, trace: string): Reply {
  if (checked.kind === 'invalidCustomField')
    return {
      status: 400,
      body: envelope(400, 'Request contained invalid custom field item(s)', trace, checked.errors, '0801400'),
    };
  const first = checked.errors[0];
  const message = first ? `${first.path}: ${first.message}` : 'Invalid request';
  return { status: 400, body: envelope(400, message, trace, checked.errors, '0800400') };
}

/** A request's body as JSON, or undefined when it is not JSON (the contract's 400). */
export function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A user as the API writes one. */
function userBody(u: User) {
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    pictureUrl: null,
    role: u.role,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}
