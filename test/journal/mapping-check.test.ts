import { parseConfig } from '../../src/config/load.js';
import { mappingChangeWarning } from '../../src/journal/mapping-check.js';

const config = (company: string) =>
  parseConfig(JSON.stringify({ externalId: 'Id', defaultFields: { firstName: 'First', company } }), 'c.json');

test('a job started under another mapping is named before anything is sent: every record whose body changes is updated', () => {
  const then = config('Company');
  const header = {
    t: 'header',
    format: 'openphone-import-journal',
    version: 1,
    mappingHash: then.mappingHash,
    baseUrl: 'x',
    createdAt: 'x',
  } as const;
  expect(mappingChangeWarning(header, then, 'j.jsonl')).toBeUndefined();
  expect(mappingChangeWarning(header, config('Organisation'), 'j.jsonl')).toMatch(
    /^j\.jsonl was started with another mapping config than c\.json: every record whose contact the new mapping changes counts as changed and is updated/,
  );
  // How requests are sent is not the mapping: another rate is no warning.
  const faster = parseConfig(
    JSON.stringify({
      externalId: 'Id',
      defaultFields: { firstName: 'First', company: 'Company' },
      api: { requestsPerSecond: 5 },
      update: { arrays: 'source' },
    }),
    'c.json',
  );
  expect(mappingChangeWarning(header, faster, 'j.jsonl')).toBeUndefined();
  expect(mappingChangeWarning(undefined, then, 'j.jsonl')).toBeUndefined();
});
