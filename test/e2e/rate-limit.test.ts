import { join } from 'node:path';
import { importJob } from '../../src/import-job.js';
import { silentLog } from '../../src/log.js';
import { configFrom } from '../helpers/config.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { startSandboxProcess } from '../helpers/sandbox-process.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

test('against a sandbox limited to the same rate: never over the rate in any rolling second, no 429', async () => {
  const sandbox = await startSandboxProcess(['--rate', '20', '--latency', '10-60']);
  try {
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 120);
    const summary = await importJob({
      config: configFrom(importConfig({ requestsPerSecond: 20, concurrency: 8 })),
      input,
      stateDir: join(dir(), 'state'),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
    });
    const stats = await sandbox.stats();
    expect(stats.maxSentInAnySecond).toBeLessThanOrEqual(20);
    expect(stats.byStatus['429']).toBeUndefined();
    expect(summary.requests).toMatchObject({ rateLimited: 0 });
    expect(summary.counts.created).toBe(file.valid.length);
    expect(stats.contacts).toBe(file.valid.length);
  } finally {
    await sandbox.stop();
  }
}, 60_000);
