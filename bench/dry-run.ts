import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchContacts, benchOutDir } from './generate-contacts.js';
import { generateWorkbook } from './generate-workbook.js';
import { generateVcards } from './generate-vcards.js';
import { measureInChild } from './measure.js';

// npm run bench:dry-run [records]: dry-runs a generated file and, in the same run,
// times bare csv-parse over it. Both run with node's defaults, on one thread.
// Targets: ratio >= 0.25, peak RSS < 200 MB. Then the same records as an .xlsx
// workbook and as vCards, dry-run the same way: their speed and peak RSS
// against the CSV's; and a few cards behind one with a 100 MB photo on one line
// (it must cost seconds and stay under 200 MB).
const records = Number(process.argv[2] ?? 1_000_000);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = benchOutDir();
const input = await benchContacts(records);
console.log(`input: ${input} (${(statSync(input).size / 1e6).toFixed(0)} MB)`);
const worker = join(here, 'dry-run-worker.js');
// This machine's speed drifts by a third from one minute to the next (the same
// bare csv-parse run over 1M records took 13 to 19 s), so the baseline is timed
// right before and right after the dry run and the ratio uses their mean rate.
// The dry run is the openphone-import command, started as its first line starts
// it; the baseline is bare csv-parse as anyone would run it, with node's defaults.
const before = measureInChild(worker, ['baseline', input]);
const ours = measureInChild(worker, ['dry-run', input]);
const after = measureInChild(worker, ['baseline', input]);
const rate = (m: { seconds: number; records: number }) => m.records / m.seconds;
const baselineRate = (rate(before) + rate(after)) / 2;
const ratio = rate(ours) / baselineRate;
for (const [when, m] of [
  ['before', before],
  ['after', after],
] as const) {
  console.log(
    `bare csv-parse (columns: true), ${when}: ${rate(m).toFixed(0)} records/s, ${m.seconds.toFixed(1)} s, peak RSS ${m.maxRssMb.toFixed(0)} MB`,
  );
}
console.log(
  `dry run (openphone-import run --dry-run, node's defaults): ${rate(ours).toFixed(0)} records/s, ${ours.seconds.toFixed(1)} s, peak RSS ${ours.maxRssMb.toFixed(0)} MB`,
);
console.log(
  `ratio dry-run/csv-parse: ${ratio.toFixed(2)} against the mean baseline ${baselineRate.toFixed(0)} records/s (target >= 0.25); peak RSS ${ours.maxRssMb.toFixed(0)} MB (target < 200 MB)`,
);
console.log(ratio >= 0.25 && ours.maxRssMb < 200 ? 'PASS' : 'FAIL');

const workbook = join(outDir, `contacts-${records}.xlsx`);
if (!existsSync(workbook)) {
  console.log(`writing the same ${records} records as a workbook...`);
  await generateWorkbook(workbook, records);
}
console.log(`workbook: ${workbook} (${(statSync(workbook).size / 1e6).toFixed(0)} MB)`);
const fromWorkbook = measureInChild(worker, ['dry-run', workbook]);
if (fromWorkbook.records !== ours.records)
  throw new Error(`the workbook gave ${fromWorkbook.records} records, the CSV ${ours.records}`);
console.log(
  `dry run of the workbook: ${rate(fromWorkbook).toFixed(0)} records/s, ${fromWorkbook.seconds.toFixed(1)} s, peak RSS ${fromWorkbook.maxRssMb.toFixed(0)} MB`,
);
console.log(
  `ratio workbook/CSV dry run: speed ${(rate(fromWorkbook) / rate(ours)).toFixed(2)}, peak RSS ${(fromWorkbook.maxRssMb / ours.maxRssMb).toFixed(2)}`,
);

const vcards = join(outDir, `contacts-${records}.vcf`);
if (!existsSync(vcards)) {
  console.log(`writing the same ${records} records as vCards...`);
  await generateVcards(vcards, records);
}
console.log(`vCards: ${vcards} (${(statSync(vcards).size / 1e6).toFixed(0)} MB)`);
const fromVcards = measureInChild(worker, ['dry-run', vcards, 'vcard']);
console.log(
  `dry run of the vCards: ${rate(fromVcards).toFixed(0)} records/s, ${fromVcards.seconds.toFixed(1)} s, peak RSS ${fromVcards.maxRssMb.toFixed(0)} MB (${fromVcards.records} cards)`,
);
console.log(
  `ratio vCard/CSV dry run: speed ${(rate(fromVcards) / rate(ours)).toFixed(2)}, peak RSS ${(fromVcards.maxRssMb / ours.maxRssMb).toFixed(2)}`,
);

const photo = join(outDir, 'photo-100mb.vcf');
if (!existsSync(photo)) await generateVcards(photo, 1000, 100 * 1024 * 1024);
const withPhoto = measureInChild(worker, ['dry-run', photo, 'vcard']);
console.log(
  `dry run of 1,000 cards behind one with a 100 MB photo line (${(statSync(photo).size / 1e6).toFixed(0)} MB): ${withPhoto.seconds.toFixed(1)} s, peak RSS ${withPhoto.maxRssMb.toFixed(0)} MB (target: seconds, < 200 MB): ${withPhoto.maxRssMb < 200 ? 'PASS' : 'FAIL'}`,
);
