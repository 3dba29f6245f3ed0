import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { User } from '../api/contract.js';
import { SANDBOX_DEFAULTS } from './defaults.js';
import { sandboxUser } from './users.js';
import type { Contact } from '../api/contract.js';
import type { PatchArrays } from './contact-store.js';
import {
  ContactsRoutes,
  findRoute,
  parseBody,
  type ExistingContact,
  type Reply,
  type UniqueExternalId,
} from './contacts-routes.js';
import { DEFAULT_CUSTOM_FIELDS, type CustomFieldDefinition } from './custom-fields.js';
import { UsageError } from '../errors.js';
import { envelope, unauthorizedBody } from './envelope.js';
import { decideFault, type FaultKind, type FaultRoute, type FaultRule } from './faults.js';
import { seededRandom } from './random.js';
import { maxInAnyWindow, RollingWindowLimiter } from './rate-window.js';

export interface SandboxOptions {
  readonly port?: number;
  readonly host?: string;
  /** Keys the workspace accepts; one is made up when none is given. */
  readonly apiKeys?: readonly string[];
  /** Requests accepted per key in any rolling second; 0 for no limit. Default 10. */
  readonly rate?: number;
  /** The rate limit's window: 1000 ms as the API's; tests stretch it so timing cannot matter. */
  readonly rateWindowMs?: number;
  /** Seconds for Retry-After on 429; absent when undefined (the live API's is unknown). */
  readonly retryAfterSeconds?: number;
  /** Latency drawn uniformly from [min, max] ms for every answer. */
  readonly latencyMs?: readonly [number, number];
  readonly seed?: number;
  readonly faults?: readonly FaultRule[];
  /** How long a 429 burst fault lasts. Default 1000 ms. */
  readonly burstMs?: number;
  /** How long a hang fault holds a request. Default 120 s. */
  readonly hangMs?: number;
  /**
   * '409' (default, as v1 was observed): a second contact with the same externalId is refused;
   * 'per-source': only one of the same source too (the dated API's documented rule);
   * 'off': accepted, for tests of the client's own guarantees.
   */
  readonly uniqueExternalId?: UniqueExternalId;
  /** How PATCH treats arrays (unknown for the live API): 'replace' (default) or 'merge'. See contact-store.ts. */
  readonly patchArrays?: PatchArrays;
  readonly customFields?: readonly CustomFieldDefinition[];
  /** The workspace's users (or just their ids: each then gets a made-up e-mail and name); the first is the default createdByUserId. Default ['USsandbox0001']. */
  readonly users?: readonly (string | User)[];
  /** A 'late' create becomes visible at the latest this long after it arrived. Default: only once a lookup has missed it (or a resend arrives). */
  readonly lateMs?: number;
  /** Contacts the workspace has before the job (made an hour before the sandbox started), some without an externalId. */
  readonly existing?: readonly ExistingContact[];
  /** A create takes this long on the server before the contact is stored and answered (a slow API), besides the latency. */
  readonly createDelayMs?: number;
  /**
   * The answers' Date header as a gateway may write it: `offsetMs` off the
   * clock that stamps contacts (seen: 2 h behind), or 'none'. Default: the
   * true time, as Node writes it.
   */
  readonly dateHeader?: { readonly offsetMs: number } | 'none';
}

export interface RequestLogEntry {
  readonly seq: number;
  /** ms since the sandbox started, when the request arrived. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly route: FaultRoute | 'other';
  readonly key: string | undefined;
  /** The externalId a POST carried, or the ids a lookup asked for: to trace one record's story. */
  externalIds?: string[];
  /** Answered status, or 0 when the connection was cut with no answer. */
  status: number;
  fault?: FaultKind;
}

export interface SandboxStats {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  readonly byFault: Record<string, number>;
  readonly contacts: number;
  /** externalIds that more than one contact holds. */
  readonly duplicateExternalIds: number;
  /** The most requests one key got accepted in any rolling second (429s and cut connections excluded). */
  readonly maxAcceptedInAnySecond: number;
  /** The most requests one key sent in any rolling second, answered or not. */
  readonly maxSentInAnySecond: number;
}

export interface Sandbox {
  readonly url: string;
  readonly apiKey: string;
  stop(): Promise<void>;
  contacts(): Contact[];
  contactsByExternalId(): Map<string, Contact[]>;
  requests(): readonly RequestLogEntry[];
  stats(): SandboxStats;
}

/** A local simulator of the OpenPhone contacts API (docs/openphone-contacts-api.md), with fault injection. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const keys = options.apiKeys?.length ? [...options.apiKeys] : [`sandbox-${randomBytes(12).toString('hex')}`];
  const rate = options.rate ?? SANDBOX_DEFAULTS.rate;
  const definitions = options.customFields ?? DEFAULT_CUSTOM_FIELDS;
  const routes = new ContactsRoutes(definitions, {
    uniqueExternalId: options.uniqueExternalId ?? SANDBOX_DEFAULTS.uniqueExternalId,
    patchArrays: options.patchArrays ?? SANDBOX_DEFAULTS.patchArrays,
    users: (options.users?.length ? options.users : ['USsandbox0001']).map((u, i) =>
      typeof u === 'string' ? sandboxUser(u, i) : u,
    ),
    ...(options.lateMs !== undefined && { lateMs: options.lateMs }),
  });
  const store = routes.store;
  if (options.existing) routes.preload(options.existing);
  const limiter = new RollingWindowLimiter(rate, options.rateWindowMs ?? 1000);
  const random = seededRandom(options.seed ?? SANDBOX_DEFAULTS.seed);
  const latencyRandom = seededRandom((options.seed ?? SANDBOX_DEFAULTS.seed) ^ 0x5eed);
  const routeCounters = new Map<string, number>();
  const log: RequestLogEntry[] = [];
  const started = performance.now();
  const hanging = new Set<ServerResponse>();
  let burstUntil = -1;
  let traceCounter = 0;

  const now = () => performance.now() - started;
  const trace = () => `trace-${(++traceCounter).toString(16).padStart(8, '0')}`;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const route = findRoute(method, url.pathname).fault;
    const authHeader = req.headers.authorization;
    const entry: RequestLogEntry = {
      seq: log.length + 1,
      at: now(),
      method,
      path: url.pathname,
      route,
      key: authHeader,
      status: 0,
    };
    log.push(entry);
    if (route === 'post') {
      const ext = (parseBody(rawBody) as { externalId?: unknown } | undefined)?.externalId;
      if (typeof ext === 'string') entry.externalIds = [ext];
    } else if (route === 'get') {
      entry.externalIds = url.searchParams.getAll('externalIds');
    }

    if (url.pathname.startsWith('/__sandbox/')) return send(res, entry, inspect(url.pathname));

    // The gateway's checks (route, key, rate) happen on arrival, as a real
    // gateway's do; the latency is the time the service then takes.
    const latency = options.latencyMs
      ? options.latencyMs[0] + latencyRandom() * (options.latencyMs[1] - options.latencyMs[0])
      : 0;
    const later = (reply: Reply, key?: string) => void sleep(latency).then(() => send(res, entry, reply, key));
    if (route === 'other') return later(routes.handle(method, url, rawBody, trace()));
    if (authHeader === undefined || authHeader === '')
      return later({ status: 401, body: unauthorizedBody(true, trace()) });
    if (!keys.includes(authHeader)) return later({ status: 401, body: unauthorizedBody(false, trace()) });

    const at = entry.at;
    if (at < burstUntil) return later(tooMany('Rate limit exceeded (burst)'), authHeader);
    const accepted = limiter.tryAccept(authHeader, at);
    if (accepted.kind === 'refused') return later(tooMany('Rate limit exceeded'), authHeader);
    if (latency > 0) await sleep(latency);
    if (route === 'post' && options.createDelayMs) await sleep(options.createDelayMs);

    const n = (routeCounters.get(route) ?? 0) + 1;
    routeCounters.set(route, n);
    const fault = decideFault(options.faults ?? [], route, n, random);
    if (fault !== undefined) entry.fault = fault;
    switch (fault) {
      case '500':
      case '502':
      case '503':
        return send(
          res,
          entry,
          { status: Number(fault), body: envelope(Number(fault), 'Injected server error', trace()) },
          authHeader,
        );
      case '400':
      case '403':
      case '404':
      case '409':
      case '422':
        return send(
          res,
          entry,
          {
            status: Number(fault),
            body: envelope(Number(fault), 'Injected refusal', trace(), undefined, `0800${fault}`),
          },
          authHeader,
        );
      case 'reset':
        return cut(req, entry);
      case 'late':
        // Stored once a lookup has missed it; the client hears nothing.
        routes.createLate(rawBody);
        return cut(req, entry);
      case 'hang':
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          cut(req, entry);
        }, options.hangMs ?? 120_000).unref();
        return;
      case '429':
        burstUntil = at + (options.burstMs ?? 1000);
        return send(res, entry, tooMany('Rate limit exceeded (burst)'), authHeader);
      default:
        break;
    }
    const reply = routes.handle(method, url, rawBody, trace());
    if (fault === 'drop') return cut(req, entry);
    return send(res, entry, reply, authHeader);
  }

  function tooMany(message: string): Reply {
    const headers: Record<string, string> = {};
    if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
    return { status: 429, body: envelope(429, message, trace()), headers };
  }

  function send(res: ServerResponse, entry: RequestLogEntry, reply: Reply, key?: string): void {
    entry.status = reply.status;
    const headers: Record<string, string> = { ...reply.headers };
    if (key !== undefined && rate > 0) {
      // The IETF draft headers the live API sends on every answer.
      headers['ratelimit-policy'] = `"per-second"; q=${rate}; w=1`;
      headers.ratelimit = `"per-second"; r=${limiter.remaining(key, now())}; t=1`;
    }
    if (options.dateHeader === 'none') res.sendDate = false;
    else if (options.dateHeader !== undefined)
      headers.date = new Date(Date.now() + options.dateHeader.offsetMs).toUTCString();
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers).end(text);
  }

  function cut(req: IncomingMessage, entry: RequestLogEntry): void {
    entry.status = 0;
    req.socket.destroy();
  }

  function inspect(path: string): Reply {
    if (path === '/__sandbox/stats') return { status: 200, body: stats() };
    if (path === '/__sandbox/requests') {
      return {
        status: 200,
        body: {
          data: log
            .filter((e) => !e.path.startsWith('/__sandbox/'))
            .map(({ seq, at, method, path: p, status, fault, externalIds }) => ({
              seq,
              at,
              method,
              path: p,
              status,
              fault,
              externalIds,
            })),
        },
      };
    }
    if (path === '/__sandbox/contacts')
      return { status: 200, body: { data: store.all(), duplicates: Object.fromEntries(store.duplicates()) } };
    return {
      status: 404,
      body: { message: 'sandbox inspection routes: /__sandbox/stats, /__sandbox/contacts, /__sandbox/requests' },
    };
  }

  const stats = () => sandboxStats(log, keys, store);

  await listen(server, options);
  const address = server.address() as AddressInfo;

  return {
    url: `http://${address.address}:${address.port}`,
    apiKey: keys[0]!,
    async stop() {
      routes.settleAllLate();
      for (const res of hanging) res.socket?.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    contacts: () => store.all(),
    contactsByExternalId: () => {
      const out = new Map<string, Contact[]>();
      for (const c of store.all())
        if (c.externalId !== null) out.set(c.externalId, [...(out.get(c.externalId) ?? []), c]);
      return out;
    },
    requests: () => log,
    stats,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sandbox's view of what it was asked: by status and fault, and the most any key sent or got accepted in a rolling second. */
function sandboxStats(
  log: readonly RequestLogEntry[],
  keys: readonly string[],
  store: { size: number; duplicates(): Map<string, unknown> },
): SandboxStats {
  const byStatus: Record<string, number> = {};
  const byFault: Record<string, number> = {};
  const sent = new Map<string, number[]>();
  const acceptedTimes = new Map<string, number[]>();
  for (const e of log) {
    if (e.path.startsWith('/__sandbox/')) continue;
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    if (e.fault) byFault[e.fault] = (byFault[e.fault] ?? 0) + 1;
    if (e.key === undefined || !keys.includes(e.key)) continue;
    (sent.get(e.key) ?? sent.set(e.key, []).get(e.key)!).push(e.at);
    if (e.status !== 429 && e.status !== 0)
      (acceptedTimes.get(e.key) ?? acceptedTimes.set(e.key, []).get(e.key)!).push(e.at);
  }
  const maxOf = (m: Map<string, number[]>) => Math.max(0, ...[...m.values()].map((t) => maxInAnyWindow(t)));
  return {
    requests: log.filter((e) => !e.path.startsWith('/__sandbox/')).length,
    byStatus,
    byFault,
    contacts: store.size,
    duplicateExternalIds: store.duplicates().size,
    maxAcceptedInAnySecond: maxOf(acceptedTimes),
    maxSentInAnySecond: maxOf(sent),
  };
}

/** Listens, turning a busy or forbidden port and an unknown host into usage errors. */
function listen(server: Server, options: SandboxOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`;
      if (err.code === 'EADDRINUSE')
        reject(
          new UsageError(
            'SANDBOX_PORT_BUSY',
            `--port ${options.port}: ${where} is in use by another program (another sandbox?)`,
            { hint: 'pick another --port, or 0 for any free one' },
          ),
        );
      else if (err.code === 'EACCES')
        reject(
          new UsageError(
            'SANDBOX_PORT_DENIED',
            `--port ${options.port}: not allowed to listen on ${where} (ports below 1024 need privileges)`,
            { hint: 'pick a port from 1024, or 0 for any free one' },
          ),
        );
      else if (err.code === 'EADDRNOTAVAIL')
        reject(
          new UsageError('SANDBOX_HOST_INVALID', `--host ${options.host}: this machine has no such address`, {
            hint: 'use 127.0.0.1',
          }),
        );
      else reject(err);
    });
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
}
