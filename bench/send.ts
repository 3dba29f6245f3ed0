import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { parseConfig } from '../src/config/load.js';
import { importJob } from '../src/job/import-job.js';
import { silentLog } from '../src/log.js';
import { RateLimiter } from '../src/api/rate-limiter.js';
import { BENCH_CONFIG, generateContacts } from './generate-contacts.js';
import { sandboxProcess, steadyRate } from './sandbox-process.js';

// npm run bench:send: the importer against a sandbox with the live API's rules
// (409 on a duplicate externalId, lookups of at most 20 ids), limited to the same
// rate, compared with an ideal pacer measured in the same run (a bare loop that
// POSTs exactly at the limit, no journal, no mapping). The figure that matters is
// contacts created per second, counted from the 201 answers: targets >= 97% of the
// limit at 10/s with 50-400 ms latency, >= 95% at 200/s; no 429 in either.

async function idealPacer(url: string, apiKey: string, rate: number, n: number): Promise<void> {
  const limiter = new RateLimiter(rate);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const sent = await limiter.acquire();
      await new Promise<void>((resolve) => {
        const req = request(
          new URL('/v1/contacts', url),
          { method: 'POST', agent, headers: { authorization: apiKey, 'content-type': 'application/json' } },
          (res) => res.resume().on('end', resolve),
        );
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

async function scenario(
  name: string,
  records: number,
  rate: number,
  latency: string,
  concurrency: number,
  target: number,
): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'opi-bench-send-'));
  try {
    const input = join(dir, 'contacts.csv');
    await generateContacts(input, records);

    const pacerBox = await sandboxProcess(['--rate', String(rate), '--latency', latency]);
    await idealPacer(pacerBox.url, pacerBox.apiKey, rate, records);
    const pacerRate = steadyRate((await pacerBox.arrivals('POST')).filter((r) => r.status === 201).map((r) => r.at));
    await pacerBox.stop();

    const box = await sandboxProcess(['--rate', String(rate), '--latency', latency]);
    const config = parseConfig(
      JSON.stringify({ ...BENCH_CONFIG, customFields: [], api: { requestsPerSecond: rate, concurrency } }),
      'bench.json',
    );
    const summary = await importJob({
      config,
      input,
      stateDir: join(dir, 'state'),
      apiKey: box.apiKey,
      baseUrl: box.url,
      log: silentLog,
    });
    // Contacts created per second: the 201s, from the first create on. Before it comes
    // the workspace check, a start-up cost paid once per run (reported on its own).
    const all = await box.arrivals();
    const posts = all.filter((r) => r.method === 'POST');
    const creates = posts.filter((r) => r.status === 201);
    const stats = await box.stats();
    await box.stop();
    const ours = steadyRate(creates.map((r) => r.at));
    const startup = posts[0]!.at - all[0]!.at;
    const share = ours / rate;
    console.log(
      `${name}: ${all.length} requests (${posts.length} POSTs, ${all.length - posts.length} other), limit ${rate}/s, latency ${latency} ms, concurrency ${concurrency}`,
    );
    console.log(
      `  ideal pacer: ${pacerRate.toFixed(2)} created/s (${((pacerRate / rate) * 100).toFixed(1)}% of the limit)`,
    );
    console.log(
      `  importer:    ${ours.toFixed(2)} created/s (${(share * 100).toFixed(1)}% of the limit; ${((ours / pacerRate) * 100).toFixed(1)}% of the ideal pacer)`,
    );
    console.log(`  start-up (workspace check) before the first create: ${startup.toFixed(0)} ms`);
    console.log(
      `  429s: ${stats.byStatus['429'] ?? 0}; busiest rolling second: ${stats.maxSentInAnySecond}; created ${summary.counts.created}, duplicates in the sandbox ${stats.duplicateExternalIds}`,
    );
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
