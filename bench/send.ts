import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { parseConfig } from '../src/config/load.js';
import { importJob } from '../src/import-job.js';
import { silentLog } from '../src/log.js';
import { RateLimiter } from '../src/send/rate-limiter.js';
import { BENCH_CONFIG, generateContacts } from './generate-contacts.js';
import { sandboxProcess, steadyRate } from './sandbox-process.js';

// npm run bench:send: the importer against a sandbox limited to the same rate,
// compared with an ideal pacer measured in the same run (a bare loop that POSTs
// exactly at the limit, no journal, no mapping). Targets: >= 97% of the limit at
// 10/s with 50-400 ms latency, >= 95% at 200/s; no 429 in either. The importer's
// rate counts all its requests (creates and lookups) from its first create on.

async function idealPacer(url: string, apiKey: string, rate: number, n: number): Promise<void> {
  const limiter = new RateLimiter(rate);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const sent = await limiter.acquire();
      await new Promise<void>((resolve) => {
        const req = request(new URL('/v1/contacts', url), { method: 'POST', agent, headers: { authorization: apiKey, 'content-type': 'application/json' } }, (res) => res.resume().on('end', resolve));
        req.on('finish', sent);
        req.on('error', () => {
          sent();
          resolve();
        });
        req.end(JSON.stringify({ defaultFields: { firstName: `P${i}` }, externalId: `pacer-${i}` }));
      });
    }),
  );
  agent.destroy();
}

async function scenario(name: string, records: number, rate: number, latency: string, concurrency: number, target: number): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'opi-bench-send-'));
  try {
    const input = join(dir, 'contacts.csv');
    await generateContacts(input, records);

    const pacerBox = await sandboxProcess(['--rate', String(rate), '--latency', latency]);
    await idealPacer(pacerBox.url, pacerBox.apiKey, rate, records);
    const pacerRate = steadyRate((await pacerBox.arrivals('POST')).map((r) => r.at));
    await pacerBox.stop();

    const box = await sandboxProcess(['--rate', String(rate), '--latency', latency]);
    const config = parseConfig(JSON.stringify({ ...BENCH_CONFIG, customFields: [], api: { requestsPerSecond: rate, concurrency } }), 'bench.json');
    const summary = await importJob({ config, input, stateDir: join(dir, 'state'), apiKey: box.apiKey, baseUrl: box.url, log: silentLog });
    // Every request counts against the limit, the batched lookups (1 per 50 records) too.
    // The rate is taken from the first create on; before it come the workspace check and
    // the first lookup, a start-up cost paid once per run (reported on its own).
    const all = await box.arrivals();
    const posts = all.filter((r) => r.method === 'POST');
    const stats = await box.stats();
    await box.stop();
    const firstPost = posts[0]!.at;
    const ours = steadyRate(all.filter((r) => r.at >= firstPost).map((r) => r.at));
    const startup = firstPost - all[0]!.at;
    const share = ours / rate;
    console.log(`${name}: ${all.length} requests (${posts.length} POSTs), limit ${rate}/s, latency ${latency} ms, concurrency ${concurrency}`);
    console.log(`  ideal pacer: ${pacerRate.toFixed(2)}/s (${((pacerRate / rate) * 100).toFixed(1)}% of the limit)`);
    console.log(`  importer:    ${ours.toFixed(2)}/s (${(share * 100).toFixed(1)}% of the limit; ${((ours / pacerRate) * 100).toFixed(1)}% of the ideal pacer)`);
    console.log(`  start-up (workspace check, first lookup) before the first create: ${startup.toFixed(0)} ms`);
    console.log(`  429s: ${stats.byStatus['429'] ?? 0}; busiest rolling second: ${stats.maxSentInAnySecond}; created ${summary.counts.created}, duplicates in the sandbox ${stats.duplicateExternalIds}`);
    const pass = share >= target && (stats.byStatus['429'] ?? 0) === 0 && stats.duplicateExternalIds === 0;
    console.log(`  target >= ${target * 100}% of the limit, no 429: ${pass ? 'PASS' : 'FAIL'}`);
    return pass;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const a = await scenario('10/s', 300, 10, '50-400', 8, 0.97);
const b = await scenario('200/s', 3000, 200, '50-400', 96, 0.95);
process.exitCode = a && b ? 0 : 1;
