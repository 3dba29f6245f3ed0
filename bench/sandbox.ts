import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// npm run bench:sandbox: POST /v1/contacts as fast as 64 keep-alive connections allow,
// against the sandbox (no latency, no limit) and, in the same run, against a bare
// node:http server that answers 201 with a fixed body. Target: sandbox >= 3,000 req/s.
const REQUESTS = Number(process.argv[2] ?? 20_000);
const CONNECTIONS = 64;
const here = dirname(fileURLToPath(import.meta.url));

async function measure(mode: 'sandbox' | 'bare'): Promise<number> {
  const child = spawn(process.execPath, [join(here, 'sandbox-server.js'), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const { url, apiKey } = JSON.parse(line.toString()) as { url: string; apiKey: string };
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL('/v1/contacts', url);
  let sent = 0;
  let failed = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({
        defaultFields: { firstName: `F${i}`, phoneNumbers: [{ name: 'm', value: '+14155550132' }] },
        externalId: `b-${i}`,
        source: 'bench',
      });
      const req = request(
        target,
        { method: 'POST', agent, headers: { authorization: apiKey, 'content-type': 'application/json' } },
        (res) => {
          if (res.statusCode !== 201) failed++;
          res.resume().on('end', resolve);
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const worker = async () => {
    while (sent < REQUESTS) await one(sent++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  child.kill();
  if (failed > 0) throw new Error(`${mode}: ${failed} requests failed`);
  return REQUESTS / seconds;
}

const bare = await measure('bare');
const sandbox = await measure('sandbox');
console.log(`bare node:http 201: ${bare.toFixed(0)} req/s`);
console.log(
  `sandbox POST /v1/contacts (validated, stored, logged): ${sandbox.toFixed(0)} req/s over ${REQUESTS} requests, ${CONNECTIONS} connections`,
);
console.log(
  `ratio sandbox/bare: ${(sandbox / bare).toFixed(2)}; target >= 3000 req/s: ${sandbox >= 3000 ? 'PASS' : 'FAIL'}`,
);
