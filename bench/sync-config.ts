import { BENCH_CONFIG } from './generate-contacts.js';

/** bench:sync's config: the bench export's mapping (no custom fields: the sandbox's default workspace lacks them) at 1000 requests/s. */
export const SYNC_CONFIG = { ...BENCH_CONFIG, customFields: [], api: { requestsPerSecond: 1000, concurrency: 16 } };
