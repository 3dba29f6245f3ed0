import type { IncomingMessage, ServerResponse } from 'node:http';
import { SANDBOX_DEFAULTS } from './defaults.js';
import { findRoute, parseBody, type ContactsRoutes, type Reply } from './contacts-routes.js';
import { envelope, unauthorizedBody } from './envelope.js';
import { decideFault, type FaultKind, type FaultRoute } from './faults.js';
import type { RequestLogEntry, SandboxOptions, SandboxStats } from './options.js';
import { seededRandom } from './random.js';
import { RollingWindowLimiter } from './rate-window.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What stands before the contacts routes, as the live API's gateway does.
 * Each request goes through its steps in order: logged, then the key checked,
 * the rate, the service's latency, an injected fault, and the route. The
 * gateway's checks happen on arrival; the latency is the time the service then
 * takes.
 */
export class Gateway {
  readonly log: RequestLogEntry[] = [];
  private readonly rate: number;
  private readonly limiter: RollingWindowLimiter;
  private readonly faultRandom: () => number;
  private readonly latencyRandom: () => number;
  private readonly routeCounters = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly started = performance.now();
  /** Until when (ms since the start) a 429 burst fault refuses everything. */
  private burstUntil = -1;
  private traces = 0;

  constructor(
    private readonly options: SandboxOptions,
    private readonly keys: readonly string[],
    private readonly routes: ContactsRoutes,
    private readonly stats: (log: readonly RequestLogEntry[]) => SandboxStats,
  ) {
    this.rate = options.rate ?? SANDBOX_DEFAULTS.rate;
    this.limiter = new RollingWindowLimiter(this.rate, options.rateWindowMs ?? 1000);
    const seed = options.seed ?? SANDBOX_DEFAULTS.seed;
    this.faultRandom = seededRandom(seed);
    this.latencyRandom = seededRandom(seed ^ 0x5eed);
  }

  async handle(req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry = this.logged(req, url, rawBody);
    if (url.pathname.startsWith('/__sandbox/')) return this.send(res, entry, this.inspect(url.pathname));
    const latency = this.latency();
    const later = (reply: Reply, key?: string) => void sleep(latency).then(() => this.send(res, entry, reply, key));
    const route = entry.route;
    if (route === 'other') return later(this.routes.handle(entry.method, url, rawBody, this.trace()));
    const unauthorized = this.authenticate(entry.key);
    if (unauthorized !== undefined) return later(unauthorized);
    const key = entry.key!;
    const limited = this.rateLimit(key, entry.at);
    if (limited !== undefined) return later(limited, key);
    if (latency > 0) await sleep(latency);
    if (route === 'post' && this.options.createDelayMs) await sleep(this.options.createDelayMs);
    const fault = this.fault(entry, route);
    if (fault !== undefined && this.injected(fault, req, res, entry, rawBody)) return;
    const reply = this.routes.handle(entry.method, url, rawBody, this.trace());
    if (fault === 'drop') return this.cut(req, entry);
    return this.send(res, entry, reply, key);
  }

  /** A stop: requests held by a hang fault are cut now. */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  /** Step 1: the request in the log, with the externalIds it carries (to trace one record's story). */
  private logged(req: IncomingMessage, url: URL, rawBody: string): RequestLogEntry {
    const method = req.method ?? 'GET';
    const route = findRoute(method, url.pathname).fault;
    const entry: RequestLogEntry = {
      seq: this.log.length + 1,
      at: performance.now() - this.started,
      method,
      path: url.pathname,
      route,
      key: req.headers.authorization,
      status: 0,
    };
    this.log.push(entry);
    if (route === 'post') {
      const ext = (parseBody(rawBody) as { externalId?: unknown } | undefined)?.externalId;
      if (typeof ext === 'string') entry.externalIds = [ext];
    } else if (route === 'get') {
      entry.externalIds = url.searchParams.getAll('externalIds');
    }
    return entry;
  }

  /** The time the service takes, drawn from the configured range. */
  private latency(): number {
    const range = this.options.latencyMs;
    return range ? range[0] + this.latencyRandom() * (range[1] - range[0]) : 0;
  }

  /** Step 2: a key, and one of the workspace's. */
  private authenticate(key: string | undefined): Reply | undefined {
    if (key === undefined || key === '') return { status: 401, body: unauthorizedBody(true, this.trace()) };
    if (!this.keys.includes(key)) return { status: 401, body: unauthorizedBody(false, this.trace()) };
    return undefined;
  }

  /** Step 3: within the key's rate, and not in a burst a 429 fault began. */
  private rateLimit(key: string, at: number): Reply | undefined {
    if (at < this.burstUntil) return this.tooMany('Rate limit exceeded (burst)');
    if (this.limiter.tryAccept(key, at).kind === 'refused') return this.tooMany('Rate limit exceeded');
    return undefined;
  }

  /** Step 4: the fault the rules inject into this request of its route, if any. */
  private fault(entry: RequestLogEntry, route: FaultRoute): FaultKind | undefined {
    const n = (this.routeCounters.get(route) ?? 0) + 1;
    this.routeCounters.set(route, n);
    const fault = decideFault(this.options.faults ?? [], route, n, this.faultRandom);
    if (fault !== undefined) entry.fault = fault;
    return fault;
  }

  /** A fault that answers (or cuts) in place of the route; false for one that lets the route run ('drop' cuts after). */
  private injected(
    fault: FaultKind,
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    rawBody: string,
  ): boolean {
    const key = entry.key;
    switch (fault) {
      case '500':
      case '502':
      case '503':
        this.send(
          res,
          entry,
          { status: Number(fault), body: envelope(Number(fault), 'Injected server error', this.trace()) },
          key,
        );
        return true;
      case '400':
      case '403':
      case '404':
      case '409':
      case '422': {
        const body = envelope(Number(fault), 'Injected refusal', this.trace(), undefined, `0800${fault}`);
        this.send(res, entry, { status: Number(fault), body }, key);
        return true;
      }
      case 'reset':
        this.cut(req, entry);
        return true;
      case 'late':
        // Stored once a lookup has missed it; the client hears nothing.
        this.routes.createLate(rawBody);
        this.cut(req, entry);
        return true;
      case 'hang':
        this.hanging.add(res);
        setTimeout(() => {
          this.hanging.delete(res);
          this.cut(req, entry);
        }, this.options.hangMs ?? 120_000).unref();
        return true;
      case '429':
        this.burstUntil = entry.at + (this.options.burstMs ?? 1000);
        this.send(res, entry, this.tooMany('Rate limit exceeded (burst)'), key);
        return true;
      default:
        return false;
    }
  }

  private trace(): string {
    return `trace-${(++this.traces).toString(16).padStart(8, '0')}`;
  }

  private tooMany(message: string): Reply {
    const headers: Record<string, string> = {};
    if (this.options.retryAfterSeconds !== undefined) headers['retry-after'] = String(this.options.retryAfterSeconds);
    return { status: 429, body: envelope(429, message, this.trace()), headers };
  }

  /** The answer, with the rate-limit headers a key's answers carry and the Date header as configured. */
  private send(res: ServerResponse, entry: RequestLogEntry, reply: Reply, key?: string): void {
    entry.status = reply.status;
    const headers: Record<string, string> = { ...reply.headers };
    if (key !== undefined && this.rate > 0) {
      // The IETF draft headers the live API sends on every answer.
      headers['ratelimit-policy'] = `"per-second"; q=${this.rate}; w=1`;
      headers.ratelimit = `"per-second"; r=${this.limiter.remaining(key, performance.now() - this.started)}; t=1`;
    }
    const dateHeader = this.options.dateHeader;
    if (dateHeader === 'none') res.sendDate = false;
    else if (dateHeader !== undefined) headers.date = new Date(Date.now() + dateHeader.offsetMs).toUTCString();
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers).end(text);
  }

  private cut(req: IncomingMessage, entry: RequestLogEntry): void {
    entry.status = 0;
    req.socket.destroy();
  }

  /** The inspection routes the tests and benchmarks read. */
  private inspect(path: string): Reply {
    if (path === '/__sandbox/stats') return { status: 200, body: this.stats(this.log) };
    if (path === '/__sandbox/requests') {
      const data = this.log
        .filter((e) => !e.path.startsWith('/__sandbox/'))
        .map(({ seq, at, method, path: p, status, fault, externalIds }) => ({
          seq,
          at,
          method,
          path: p,
          status,
          fault,
          externalIds,
        }));
      return { status: 200, body: { data } };
    }
    if (path === '/__sandbox/contacts') {
      const store = this.routes.store;
      return { status: 200, body: { data: store.all(), duplicates: Object.fromEntries(store.duplicates()) } };
    }
    return {
      status: 404,
      body: { message: 'sandbox inspection routes: /__sandbox/stats, /__sandbox/contacts, /__sandbox/requests' },
    };
  }
}
