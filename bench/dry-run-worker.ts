import { createReadStream } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { parseConfig } from '../src/config/load.js';
import { silentLog } from '../src/log.js';
import { dryRun } from '../src/run-job.js';
import { BENCH_CONFIG } from './generate-contacts.js';

// One measurement per process: `baseline` (bare csv-parse, columns: true) or `dry-run`.
const [mode, input] = process.argv.slice(2) as [string, string];
const started = process.hrtime.bigint();
let records = 0;
let cleanUp = () => {};
if (mode === 'baseline') {
  const parser = createReadStream(input).pipe(parse({ columns: true }));
  for await (const _ of parser) records++;
} else {
  const stateDir = mkdtempSync(join(tmpdir(), 'opi-bench-'));
  const summary = await dryRun({ config: parseConfig(JSON.stringify(BENCH_CONFIG), 'bench.json'), input, stateDir, log: silentLog, secondThread: true });
  if (!summary.invariant.holds) throw new Error(`invariant broken: ${summary.invariant.formula}`);
  records = summary.counts.read;
  process.stderr.write(`${JSON.stringify(summary.counts)}\n`);
  // Deleting the reports (half a gigabyte for 1M records) is not part of the dry run.
  cleanUp = () => rmSync(stateDir, { recursive: true, force: true });
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
cleanUp();
console.log(JSON.stringify({ seconds, records, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
