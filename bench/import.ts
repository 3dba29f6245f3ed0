import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { RateLimiter } from '../src/api/rate-limiter.js';
import { benchContacts, benchRecord } from './generate-contacts.js';
import { measureInChild } from './measure.js';
import { sandboxProcess } from './sandbox-process.js';

// npm run bench:import [small] [large]: the whole import (`openphone-import run`) of a
// generated file into a sandbox in its own process with no rate limit, at 100,000 and
// 1,000,000 records by default, with the config's highest rate (1000/s). Memory: peak
// RSS at the large size, and its ratio to the small one (targets < 200 MB and <= 1.3x:
// flat memory). Speed: contacts per second against a bare HTTP client measured in the
// same run at the same rate and concurrency (no mapping, journal or reports), so the
// figure is the importer's own overhead. At the live API's 10/s neither matters much (bench:send measures that):
// this says the importer is never what a fast API waits on.
const [small, large] = [Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 1_000_000)];
const CONCURRENCY = 16;
const RATE = 1000;
const here = dirname(fileURLToPath(import.meta.url));

async function bareClient(url: string, apiKey: string, n: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const limit = pLimit(CONCURRENCY);
  const limiter = new RateLimiter(RATE);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(
        () =>
          new Promise<void>((resolve, reject) => {
            const r = benchRecord(i);
            const body = JSON.stringify({
              externalId: `bare-${i}`,
              defaultFields: {
                firstName: r[1],
                lastName: r[2],
                company: r[3],
                role: r[4],
                emails: [{ name: 'work', value: `user${i}@example.com` }],
              },
            });
            void limiter.acquire().then((sent) => {
              const req = request(
                new URL('/v1/contacts', url),
                { method: 'POST', agent, headers: { authorization: apiKey, 'content-type': 'application/json' } },
                (res) => res.resume().on('end', resolve),
              );
              req.on('finish', sent);
              req.on('error', reject);
              req.end(body);
            });
          }),
      ),
    ),
  );
  agent.destroy();
  return n / ((performance.now() - started) / 1000);
}

async function importOf(records: number) {
  const input = await benchContacts(records);
  // A fresh sandbox per run: it keeps every contact in memory.
  const box = await sandboxProcess(['--rate', '0']);
  try {
    const m = measureInChild(join(here, 'import-worker.js'), [
      input,
      box.url,
      box.apiKey,
      String(RATE),
      String(CONCURRENCY),
    ]) as ReturnType<typeof measureInChild> & { created: number };
    const stats = await box.stats();
    if (stats.duplicateExternalIds !== 0 || stats.contacts !== m.created)
      throw new Error(
        `sandbox has ${stats.contacts} contacts (${stats.duplicateExternalIds} duplicates) for ${m.created} created`,
      );
    return m;
  } finally {
    await box.stop();
  }
}

const bareBox = await sandboxProcess(['--rate', '0']);
const bareRate = await bareClient(bareBox.url, bareBox.apiKey, Math.min(small, 50_000));
await bareBox.stop();
console.log(`bare HTTP client, ${RATE}/s, concurrency ${CONCURRENCY}: ${bareRate.toFixed(0)} creates/s`);
const results = [];
for (const n of [small, large]) {
  const m = await importOf(n);
  const rate = m.created / m.seconds;
  console.log(
    `import of ${n} records: ${m.created} created in ${m.seconds.toFixed(1)} s, ${rate.toFixed(0)} contacts/s (${(rate / bareRate).toFixed(2)}x the bare client), peak RSS ${m.maxRssMb.toFixed(0)} MB`,
  );
  results.push(m);
}
const [a, b] = [results[0]!, results[1]!];
const growth = b.maxRssMb / a.maxRssMb;
console.log(
  `peak RSS ${large} / ${small}: ${growth.toFixed(2)}x (target <= 1.3x); at ${large}: ${b.maxRssMb.toFixed(0)} MB (target < 200 MB)`,
);
console.log(growth <= 1.3 && b.maxRssMb < 200 ? 'PASS' : 'FAIL');
