import { peakRssMb } from './peak-rss.js';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { BENCH_CONFIG } from './generate-contacts.js';
import { BENCH_VCARD_CONFIG } from './generate-vcards.js';

// One measurement per process: `baseline` (bare csv-parse, columns: true) or
// `dry-run`: the openphone-import command itself, as a user runs it
// (`run --dry-run`), loaded into this process so its peak RSS is measured.
const [mode, input, configName] = process.argv.slice(2) as [string, string, string | undefined];
const started = process.hrtime.bigint();
const report = (records: number) => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return JSON.stringify({ seconds, records, maxRssMb: peakRssMb() });
};

if (mode === 'baseline') {
  let records = 0;
  const parser = createReadStream(input).pipe(parse({ columns: true }));
  for await (const _ of parser) records++;
  console.log(report(records));
} else {
  const work = mkdtempSync(join(tmpdir(), 'opi-bench-'));
  const config = join(work, 'bench.json');
  const stateDir = join(work, 'state');
  writeFileSync(config, JSON.stringify(configName === 'vcard' ? BENCH_VCARD_CONFIG : BENCH_CONFIG));
  process.on('exit', (code) => {
    // The command has finished (exit 1: the file has bad rows on purpose).
    const summary = JSON.parse(readFileSync(join(stateDir, 'dry-run', 'summary.json'), 'utf8')) as {
      counts: { read: number };
      invariant: { holds: boolean; formula: string };
    };
    const measured = report(summary.counts.read);
    // Exit 1: the bench file has bad rows on purpose; exit 0: a file of good cards alone.
    if ((code !== 0 && code !== 1) || !summary.invariant.holds)
      throw new Error(`dry run ended with exit ${code}, invariant ${summary.invariant.formula}`);
    process.stderr.write(`${JSON.stringify(summary.counts)}\n`);
    // Deleting the reports (half a gigabyte for 1M records) is not part of the dry run.
    rmSync(work, { recursive: true, force: true });
    console.log(measured);
    process.exitCode = 0;
  });
  process.argv = [
    process.argv[0]!,
    'openphone-import',
    'run',
    '--config',
    config,
    '--input',
    input,
    '--dry-run',
    '--state-dir',
    stateDir,
    '--quiet',
  ];
  await import('../src/cli.js');
}
