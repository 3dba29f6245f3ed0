import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCustomFieldDefinitions, parseLatency, sandboxOptionsFromCli } from '../../src/sandbox/cli-options.js';
import { startSandboxProcess } from '../helpers/sandbox-process.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

test('--latency MIN-MAX or one number; anything else says what was expected', () => {
  expect(parseLatency('20-80')).toEqual([20, 80]);
  expect(parseLatency('50')).toEqual([50, 50]);
  expect(() => parseLatency('fast')).toThrow(/--latency: found "fast": expected milliseconds as MIN-MAX/);
  expect(() => parseLatency('80-20')).toThrow(/the maximum is below the minimum/);
});

test('--custom-fields: a list of { name, key, type }, checked', () => {
  const good = join(dir(), 'good.json');
  writeFileSync(good, JSON.stringify([{ name: 'Tier', key: 'tier', type: 'string' }]));
  expect(loadCustomFieldDefinitions(good)).toEqual([{ name: 'Tier', key: 'tier', type: 'string' }]);
  const bad = join(dir(), 'bad.json');
  writeFileSync(bad, JSON.stringify([{ name: 'Tier', key: 'tier', type: 'text' }]));
  expect(() => loadCustomFieldDefinitions(bad)).toThrow(
    /--custom-fields .*bad\.json: \[0\.type\] .*expected a list of \{ "name", "key", "type" \}/,
  );
  expect(() => loadCustomFieldDefinitions(join(dir(), 'none.json'))).toThrow(/--custom-fields .*none\.json/);
});

test('the CLI flags become sandbox options', () => {
  expect(
    sandboxOptionsFromCli({
      port: 1,
      host: 'h',
      rate: 5,
      seed: 3,
      uniqueExternalId: 'off',
      patchArrays: 'merge',
      users: 'US1, US2',
      latency: '1-2',
      faults: 'post:500=#1',
      retryAfter: 2,
      apiKey: 'k',
    }),
  ).toEqual({
    port: 1,
    host: 'h',
    rate: 5,
    seed: 3,
    uniqueExternalId: 'off',
    patchArrays: 'merge',
    users: [
      expect.objectContaining({ id: 'US1', email: 'us1@sandbox.example' }),
      expect.objectContaining({ id: 'US2' }),
    ],
    latencyMs: [1, 2],
    faults: [{ route: 'post', kind: '500', at: [1] }],
    retryAfterSeconds: 2,
    apiKeys: ['k'],
  });
  expect(() =>
    sandboxOptionsFromCli({ port: 1, host: 'h', rate: 5, seed: 3, uniqueExternalId: 'on', patchArrays: 'merge' }),
  ).toThrow(/--unique-external-id: found "on": expected one of 409, per-source, off/);
  expect(() =>
    sandboxOptionsFromCli({
      port: 1,
      host: 'h',
      rate: 5,
      seed: 3,
      uniqueExternalId: '409',
      patchArrays: 'merge',
      users: 'bob',
    }),
  ).toThrow(/--users: found "bob"/);
});

test('`openphone-import sandbox --unique-external-id 409` starts, and refuses a second externalId with 409', async () => {
  for (const mode of ['409', 'off']) {
    const sb = await startSandboxProcess(['--unique-external-id', mode, '--rate', '0']);
    try {
      const post = () =>
        fetch(`${sb.url}/v1/contacts`, {
          method: 'POST',
          headers: { authorization: sb.apiKey },
          body: JSON.stringify({ defaultFields: { firstName: 'A' }, externalId: 'x' }),
        });
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(mode === '409' ? 409 : 201);
    } finally {
      await sb.stop();
    }
  }
});
