import { createReadStream } from 'node:fs';
import { parse, type Options } from 'csv-parse';
import { benchContacts } from './generate-contacts.js';

// npm run bench:csv-parse [records]: what csv-parse's `info` and `raw` options
// cost on the dry run's export, against the same parser without them, timed in
// turns in one process (the machine's speed drifts). Why the reader places
// records itself (csv/record-locator.ts) rather than asking csv-parse for their
// lines and text.
const records = Number(process.argv[2] ?? 300_000);
const input = await benchContacts(records);

/** Seconds to parse the file with these options, as the reader parses it (16 KB chunks, stray quotes kept). */
async function timed(options: Options): Promise<number> {
  const started = process.hrtime.bigint();
  const parser = createReadStream(input, { highWaterMark: 16 * 1024, encoding: 'utf8' }).pipe(
    parse({ relax_quotes: true, skip_empty_lines: true, ...options }),
  );
  for await (const _ of parser);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const variants: [string, Options][] = [
  ['plain', {}],
  ['info', { info: true }],
  ['info + raw', { info: true, raw: true }],
];
const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < 3; round++)
  for (const [name, options] of variants) times.get(name)!.push(await timed(options));
const best = (name: string) => Math.min(...times.get(name)!);
for (const [name] of variants)
  console.log(
    `${name.padEnd(10)} best of 3: ${best(name).toFixed(2)} s, ${(best(name) / best('plain')).toFixed(2)}x plain`,
  );
