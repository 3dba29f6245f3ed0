import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { indexHeader } from '../../src/csv/header.js';
import { openCsv } from '../../src/csv/read-csv.js';
import { mapBatch } from '../../src/pipeline/map-batch.js';
import { RecordMapper } from '../../src/pipeline/record-mapper.js';
import { TwoThreadMapper } from '../../src/pipeline/two-thread-mapper.js';
import { configFrom } from '../helpers/config.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { ROOT } from '../helpers/paths.js';
import { useTempDir } from '../helpers/temp-dir.js';

// The worker runs the built script (npm test builds before jest starts).
const BUILT_WORKER = pathToFileURL(join(ROOT, 'dist', 'src', 'pipeline', 'mapping-worker.js'));
const dir = useTempDir();

async function contacts(records: number) {
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, records);
  const config = configFrom(importConfig());
  const csv = await openCsv(input, config.csv);
  return { data: { config, header: indexHeader(csv.header, config.columnUses, input), encoding: csv.encoding }, csv };
}

async function drain(mapper: TwoThreadMapper, batches: AsyncIterable<readonly unknown[]>) {
  try {
    for await (const _ of mapper.inOrder(batches as never));
  } finally {
    await mapper.close();
  }
}

const workerScript = (body: string) => {
  const path = join(dir(), 'worker.mjs');
  writeFileSync(path, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(path);
};

test('batches mapped in the worker and in this thread come out in file order, each as this thread maps it', async () => {
  const { data, csv } = await contacts(3000);
  const mapper = new TwoThreadMapper(data, BUILT_WORKER);
  await mapper.workerReady;
  const here = new RecordMapper(data.config, data.header, data.encoding);
  const lines: number[] = [];
  try {
    for await (const { items, mapped } of mapper.inOrder(csv.batches)) {
      expect(mapped).toEqual(mapBatch(here, items));
      lines.push(...items.map((item) => item.line));
    }
  } finally {
    await mapper.close();
  }
  expect(mapper.mappedBy.worker).toBeGreaterThan(0);
  expect(lines).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2));
});

test('without a worker script every batch is mapped in this thread', async () => {
  const { data, csv } = await contacts(3000);
  const mapper = new TwoThreadMapper(data);
  await drain(mapper, csv.batches);
  expect(mapper.mappedBy).toEqual({ here: expect.any(Number), worker: 0 });
  expect(mapper.mappedBy.here).toBeGreaterThan(1);
});

test.each([
  ['throws', "parentPort.postMessage('ready');\nparentPort.on('message', () => { throw new Error('boom'); });", /the dry run's mapping thread failed \(a bug\): boom/],
  ['exits', "parentPort.postMessage('ready');\nparentPort.on('message', () => process.exit(0));", /the dry run's mapping thread failed \(a bug\): it exited with code 0/],
])('a mapping thread that %s mid-run stops the run with a bug report, not a lost batch', async (_, body, message) => {
  const { data, csv } = await contacts(3000);
  const mapper = new TwoThreadMapper(data, workerScript(body));
  await mapper.workerReady;
  await expect(drain(mapper, csv.batches)).rejects.toThrow(message);
});

test('a mapping thread that cannot start is reported as a bug too', async () => {
  const { data, csv } = await contacts(3000);
  const mapper = new TwoThreadMapper(data, workerScript("throw new Error('cannot load');"));
  await expect(mapper.workerReady).rejects.toThrow(/the dry run's mapping thread failed \(a bug\): cannot load/);
  await expect(drain(mapper, csv.batches)).rejects.toThrow(/cannot load/);
});
