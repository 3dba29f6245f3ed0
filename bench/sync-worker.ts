import { peakRssMb } from './peak-rss.js';
import { parseConfig } from '../src/config/load.js';
import { importJob } from '../src/job/import-job.js';
import { silentLog } from '../src/log.js';
import { SYNC_CONFIG } from './sync-config.js';

// One run of a job (child of bench:sync) to its end, at 1000 requests/s: prints its
// counts, requests, seconds and peak RSS as one JSON line.
const [input, stateDir, baseUrl, apiKey] = process.argv.slice(2) as [string, string, string, string];
const config = parseConfig(JSON.stringify(SYNC_CONFIG), 'bench.json');
const started = performance.now();
const summary = await importJob({ config, input, stateDir, apiKey, baseUrl, log: silentLog });
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    counts: summary.counts,
    requests: summary.requests,
    invariant: summary.invariant.holds,
    maxRssMb: peakRssMb(),
  }),
);
