import { peakRssMb } from './peak-rss.js';
import { parseConfig } from '../src/config/load.js';
import { importJob } from '../src/job/import-job.js';
import { silentLog } from '../src/log.js';
import { BENCH_CONFIG } from './generate-contacts.js';

// One resumed run (child of bench:resume): sends 5 new records, then stops; prints its peak RSS.
const [input, stateDir, baseUrl, apiKey] = process.argv.slice(2) as [string, string, string, string];
const config = parseConfig(
  JSON.stringify({ ...BENCH_CONFIG, customFields: [], api: { requestsPerSecond: 10 } }),
  'bench.json',
);
const summary = await importJob({ config, input, stateDir, apiKey, baseUrl, log: silentLog, maxRows: 5 });
console.log(
  JSON.stringify({
    maxRssMb: peakRssMb(),
    unchanged: summary.counts.unchanged,
    created: summary.counts.created,
  }),
);
