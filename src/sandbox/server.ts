import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_DEFAULTS } from './defaults.js';
import { sandboxUser } from './users.js';
import type { Contact } from '../api/contract.js';
import { ContactsRoutes } from './contacts-routes.js';
import { DEFAULT_CUSTOM_FIELDS } from './custom-fields.js';
import { UsageError } from '../errors.js';
import { Gateway } from './gateway.js';
import type { RequestLogEntry, SandboxOptions, SandboxStats } from './options.js';
import { maxInAnyWindow } from './rate-window.js';

export interface Sandbox {
  readonly url: string;
  readonly apiKey: string;
  stop(): Promise<void>;
  contacts(): Contact[];
  contactsByExternalId(): Map<string, Contact[]>;
  requests(): readonly RequestLogEntry[];
  stats(): SandboxStats;
}

/**
 * A local simulator of the OpenPhone contacts API (docs/openphone-contacts-api.md),
 * with fault injection: the contacts routes (contacts-routes.ts) behind a
 * gateway (gateway.ts) that logs, checks the key and the rate, waits, and
 * injects faults, as the live API's does.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const keys = options.apiKeys?.length ? [...options.apiKeys] : [`sandbox-${randomBytes(12).toString('hex')}`];
  const routes = new ContactsRoutes(options.customFields ?? DEFAULT_CUSTOM_FIELDS, {
    uniqueExternalId: options.uniqueExternalId ?? SANDBOX_DEFAULTS.uniqueExternalId,
    patchArrays: options.patchArrays ?? SANDBOX_DEFAULTS.patchArrays,
    users: (options.users?.length ? options.users : ['USsandbox0001']).map((u, i) =>
      typeof u === 'string' ? sandboxUser(u, i) : u,
    ),
    ...(options.lateMs !== undefined && { lateMs: options.lateMs }),
  });
  const store = routes.store;
  if (options.existing) routes.preload(options.existing);
  const gateway = new Gateway(options, keys, routes, (log) => sandboxStats(log, keys, store));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void gateway.handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 30_000;
  await listen(server, options);
  const address = server.address() as AddressInfo;

  return {
    url: `http://${address.address}:${address.port}`,
    apiKey: keys[0]!,
    async stop() {
      routes.settleAllLate();
      gateway.releaseHanging();
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
    requests: () => gateway.log,
    stats: () => sandboxStats(gateway.log, keys, store),
  };
}

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
