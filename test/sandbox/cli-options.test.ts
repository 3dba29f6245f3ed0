import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCustomFieldDefinitions, parseLatency, sandboxOptionsFromCli } from '../../src/sandbox/cli-options.js';
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
  expect(() => loadCustomFieldDefinitions(bad)).toThrow(/--custom-fields .*bad\.json: \[0\.type\] .*expected a list of \{ "name", "key", "type" \}/);
  expect(() => loadCustomFieldDefinitions(join(dir(), 'none.json'))).toThrow(/--custom-fields .*none\.json/);
});

test('the CLI flags become sandbox options', () => {
  expect(sandboxOptionsFromCli({ port: 1, host: 'h', rate: 5, seed: 3, uniqueExternalId: '409', latency: '1-2', faults: 'post:500=#1', retryAfter: 2, apiKey: 'k' })).toEqual({
    port: 1, host: 'h', rate: 5, seed: 3, uniqueExternalId: '409', latencyMs: [1, 2], faults: [{ route: 'post', kind: '500', at: [1] }], retryAfterSeconds: 2, apiKeys: ['k'],
  });
});
