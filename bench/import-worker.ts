import { peakRssMb } from './peak-rss.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_CONFIG } from './generate-contacts.js';

// One import (child of bench:import): the openphone-import command itself, as a user
// runs it (`run`), loaded into this process so its peak RSS is measured; the sandbox
// is another process. Prints seconds, records read, contacts created and peak RSS.
const [input, baseUrl, apiKey, rate, concurrency] = process.argv.slice(2) as [string, string, string, string, string];
const work = mkdtempSync(join(tmpdir(), 'opi-bench-import-'));
const config = join(work, 'bench.json');
const stateDir = join(work, 'state');
writeFileSync(
  config,
  JSON.stringify({
    ...BENCH_CONFIG,
    customFields: [],
    api: { requestsPerSecond: Number(rate), concurrency: Number(concurrency) },
  }),
);
const started = process.hrtime.bigint();
process.on('exit', (code) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = JSON.parse(readFileSync(join(stateDir, 'summary.json'), 'utf8')) as {
    counts: { read: number; created: number };
    invariant: { holds: boolean };
  };
  if (code !== 1 || !summary.invariant.holds) {
    process.stderr.write(`import ended with exit ${code}: ${JSON.stringify(summary.counts)}\n`);
    return;
  }
  console.log(
    JSON.stringify({
      seconds,
      records: summary.counts.read,
      created: summary.counts.created,
      maxRssMb: peakRssMb(),
    }),
  );
  process.exitCode = 0;
});
process.env.OPENPHONE_API_KEY = apiKey;
process.argv = [
  process.argv[0]!,
  'openphone-import',
  'run',
  '--config',
  config,
  '--input',
  input,
  '--state-dir',
  stateDir,
  '--base-url',
  baseUrl,
  '--quiet',
];
await import('../src/cli.js');
