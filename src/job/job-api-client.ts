import { ApiClient } from '../api/client.js';
import type { ApiSettings } from '../config/resolved.js';
import { RateLimiter, realClock, type Clock } from '../api/rate-limiter.js';
import { RequestStats } from '../api/request-stats.js';
import { gotTransport, type Transport } from '../api/transport.js';
import type { Runner } from './runner.js';

export interface JobApiClientOptions {
  readonly api: ApiSettings;
  readonly apiKey: string;
  readonly breaker?: { readonly failures: number; readonly quietMs: number };
  /** Injected in tests; the real one is got. */
  readonly transport?: Transport;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** The API client of a job (an import, a rollback), listening to its runner's two stop signals. */
export function jobApiClient(
  options: JobApiClientOptions,
  baseUrl: string,
  runner: Runner,
): { api: ApiClient; stats: RequestStats } {
  const settings = options.api;
  const stats = new RequestStats();
  const api = new ApiClient({
    transport:
      options.transport ?? gotTransport(baseUrl, options.apiKey, settings.timeoutMs, settings.concurrency * 2 + 2),
    limiter: new RateLimiter(settings.requestsPerSecond, options.clock ?? realClock),
    stats,
    retry: settings.retry,
    clock: options.clock ?? realClock,
    random: options.random ?? Math.random,
    stopping: runner.stopping.signal,
    cutInFlight: runner.cutInFlight.signal,
    // The server gets as long again as the client waited: it may still be storing it.
    settleMs: 2 * settings.timeoutMs,
    ...(options.breaker && { breaker: options.breaker }),
  });
  return { api, stats };
}
