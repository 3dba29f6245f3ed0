import { jobApiClient } from '../../src/job/job-api-client.js';
import { Runner } from '../../src/job/runner.js';
import { API_DEFAULTS } from '../../src/config/resolved.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox();

test('probes timed across a second\'s boundary narrow the server clock to milliseconds, and the truth stays inside', async () => {
  const runner = new Runner({ concurrency: 2 });
  const { api, stats } = jobApiClient({ api: { ...API_DEFAULTS, baseUrl: sandbox().url, requestsPerSecond: 100 }, apiKey: sandbox().apiKey }, sandbox().url, runner);
  await api.call({ method: 'GET', path: 'v1/contact-custom-fields' });
  const rough = api.serverClock.offset!;
  expect(rough.hi - rough.lo).toBeGreaterThanOrEqual(1000);
  await api.sharpenClock();
  const sharp = api.serverClock.offset!;
  // The sandbox runs on this machine's clock: the true offset is 0.
  expect(sharp.lo).toBeLessThanOrEqual(0);
  expect(sharp.hi).toBeGreaterThanOrEqual(0);
  // Each probe halves what is known (within a round trip): far below a second, whatever the machine's load.
  expect(sharp.hi - sharp.lo).toBeLessThan(250);
  expect(stats.checks).toBeLessThanOrEqual(1 + 10);
  await runner.finish();
}, 20_000);
