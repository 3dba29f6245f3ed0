import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateContacts } from './generate-contacts.js';
import { NODE_FLAGS } from '../src/node-flags.js';
import { measureInChild } from './measure.js';

// npm run bench:dry-run [records]: dry-runs a generated file and, in the same run,
// times bare csv-parse over it. Targets: ratio >= 0.3, peak RSS < 150 MB.
const records = Number(process.argv[2] ?? 1_000_000);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const input = join(outDir, `contacts-${records}.csv`);
if (!existsSync(input)) {
  console.log(`generating ${records} records...`);
  await generateContacts(input, records);
}
console.log(`input: ${input} (${(statSync(input).size / 1e6).toFixed(0)} MB)`);
const worker = join(here, 'dry-run-worker.js');
const baseline = measureInChild(worker, ['baseline', input]);
// The dry run runs with the flags the openphone-import command gives node; the
// baseline is bare csv-parse as anyone would run it, with node's defaults.
const ours = measureInChild(worker, ['dry-run', input], NODE_FLAGS);
const rate = (m: { seconds: number; records: number }) => m.records / m.seconds;
const ratio = rate(ours) / rate(baseline);
console.log(`bare csv-parse (columns: true): ${rate(baseline).toFixed(0)} records/s, ${baseline.seconds.toFixed(1)} s, peak RSS ${baseline.maxRssMb.toFixed(0)} MB`);
console.log(`dry run (decode, parse, map, validate, report; node ${NODE_FLAGS.join(' ')}): ${rate(ours).toFixed(0)} records/s, ${ours.seconds.toFixed(1)} s, peak RSS ${ours.maxRssMb.toFixed(0)} MB`);
console.log(`ratio dry-run/csv-parse: ${ratio.toFixed(2)} (target >= 0.30); peak RSS ${ours.maxRssMb.toFixed(0)} MB (target < 150 MB)`);
console.log(ratio >= 0.3 && ours.maxRssMb < 150 ? 'PASS' : 'FAIL');
