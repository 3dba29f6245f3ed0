import { peakRssMb } from './peak-rss.js';
import { API_DEFAULTS } from '../src/config/resolved.js';
import { parseConfig } from '../src/config/load.js';
import { jobApiClient } from '../src/job/job-api-client.js';
import { Runner } from '../src/job/runner.js';
import { silentLog } from '../src/log.js';
import { buildIndex } from '../src/workspace/build-index.js';
import { BENCH_CONFIG } from './generate-contacts.js';

// Lists and indexes a workspace for --match-existing (child of bench:sync), or with
// "baseline" only loads the same modules and connects: prints requests, seconds, peak RSS.
const [baseUrl, apiKey, mode] = process.argv.slice(2) as [string, string, string];
const config = parseConfig(JSON.stringify({ ...BENCH_CONFIG, customFields: [] }), 'bench.json');
const runner = new Runner({ concurrency: 1 });
const { api, stats } = jobApiClient(
  { api: { ...API_DEFAULTS, baseUrl, requestsPerSecond: 1000 }, apiKey },
  baseUrl,
  runner,
);
const started = performance.now();
const index = mode === 'baseline' ? undefined : await buildIndex(api, config, ['phone', 'email'], silentLog);
await runner.finish();
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    contacts: index?.size ?? 0,
    requests: stats.listing,
    maxRssMb: peakRssMb(),
  }),
);
