import { jobApiClient } from '../../src/job/job-api-client.js';
import { Runner } from '../../src/job/runner.js';
import { API_DEFAULTS } from '../../src/config/resolved.js';
import { useSandbox } from '../helpers/sandbox.js';

// Creates take 400 ms on the server: a 201's stamp only bounds the contacts' clock to that long.
const sandbox = useSandbox({ createDelayMs: 400 });

test("probes timed across a second's boundary narrow a slow create's calibration to milliseconds, and the truth stays inside", async () => {
  const runner = new Runner({ concurrency: 2 });
  const { api, stats } = jobApiClient(
    { api: { ...API_DEFAULTS, baseUrl: sandbox().url, requestsPerSecond: 100 }, apiKey: sandbox().apiKey },
    sandbox().url,
    runner,
  );
  await api.call({ method: 'GET', path: 'v1/contact-custom-fields' });
  // A Date header alone calibrates nothing.
  expect(api.serverClock.offset).toBeUndefined();
  await api.call({
    method: 'POST',
    path: 'v1/contacts',
    body: { defaultFields: { firstName: 'Clock' }, externalId: 'clock-1' },
  });
  // The create's own stamp bounds the offset only to its 400 ms on the server.
  const rough = api.serverClock.calibration!;
  expect(rough.hi - rough.lo).toBeGreaterThanOrEqual(300);
  await api.sharpenClock();
  const sharp = api.serverClock.offset!;
  // The sandbox runs on this machine's clock: the true offset is 0.
  expect(sharp.lo).toBeLessThanOrEqual(0);
  expect(sharp.hi).toBeGreaterThanOrEqual(0);
  // Each probe halves what is known (within a round trip): far below the create's 400 ms, whatever the machine's load.
  expect(sharp.hi - sharp.lo).toBeLessThan(250);
  expect(stats.checks).toBeLessThanOrEqual(10);
  await runner.finish();
}, 20_000);

test("a gateway whose Date header runs 2 h behind: no probe is sent, the creates' stamps alone decide", async () => {
  const { startSandbox } = await import('../../src/sandbox/server.js');
  const sb = await startSandbox({ rate: 0, dateHeader: { offsetMs: -7_200_000 } });
  try {
    const runner = new Runner({ concurrency: 2 });
    const { api, stats } = jobApiClient(
      { api: { ...API_DEFAULTS, baseUrl: sb.url, requestsPerSecond: 100 }, apiKey: sb.apiKey },
      sb.url,
      runner,
    );
    await api.call({
      method: 'POST',
      path: 'v1/contacts',
      body: { defaultFields: { firstName: 'Clock' }, externalId: 'clock-1' },
    });
    expect(api.serverClock.dateIgnored).toBe(true);
    const o = api.serverClock.offset!;
    expect(o.lo).toBeLessThanOrEqual(0);
    expect(o.hi).toBeGreaterThanOrEqual(0);
    await api.sharpenClock();
    expect(stats.checks).toBe(0);
    await runner.finish();
  } finally {
    await sb.stop();
  }
}, 20_000);
