import { ApiClient } from '../../src/api/client.js';
import { RateLimiter, type Clock } from '../../src/api/rate-limiter.js';
import { RequestStats } from '../../src/api/request-stats.js';
import type { ApiRequest, ApiResponse } from '../../src/api/transport.js';

/**
 * The API counts as down only after both: 20 failed requests in a row, and 30 s
 * with no answer. Each alone is not enough: a burst of 5xx in a second is a
 * hiccup, and a slow trickle of a few failures over minutes is not an outage.
 */
function client(failFor: (n: number) => boolean) {
  let now = 0;
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
  let n = 0;
  const transport = async (_req: ApiRequest): Promise<ApiResponse> =>
    failFor(++n) ? { status: 503, body: { message: 'down' } } : { status: 200, body: { data: [] } };
  const api = new ApiClient({
    transport,
    limiter: new RateLimiter(1_000_000, { now: () => performance.now(), sleep: async () => {} }),
    stats: new RequestStats(),
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    clock,
    random: () => 0.5,
    settleMs: 0,
  });
  return { api, advance: (ms: number) => void (now += ms) };
}

const get = (api: ApiClient) => api.call({ method: 'GET', path: 'v1/contacts' });

test('20 failures in a row within 30 s: not down yet', async () => {
  const { api, advance } = client(() => true);
  for (let i = 0; i < 40; i++) {
    await expect(get(api)).resolves.toMatchObject({ kind: 'gaveUp' });
    advance(500); // 40 failures over 20 s
  }
});

test('fewer than 20 failures in a row, over minutes: not down', async () => {
  const { api, advance } = client((n) => n % 19 !== 0);
  for (let i = 0; i < 60; i++) {
    await get(api);
    advance(5_000);
  }
});

test('20 failures in a row and 30 s without an answer: the job stops (API_DOWN, exit 3)', async () => {
  const { api, advance } = client(() => true);
  let thrown: unknown;
  for (let i = 0; i < 60 && thrown === undefined; i++) {
    await get(api).catch((err: unknown) => (thrown = err));
    advance(1_000);
  }
  expect(thrown).toMatchObject({ code: 'API_DOWN', exitCode: 3 });
});
