import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobStatus } from '../src/status.js';
import { useTempDir } from './helpers/temp-dir.js';

const dir = useTempDir();

test("failures.csv's rows by why: the record's data, a duplicate, the API's refusal, or a request that did not get through", async () => {
  const state = join(dir(), 'state');
  mkdirSync(state, { mode: 0o700 });
  writeFileSync(join(state, 'journal.jsonl'), `${JSON.stringify({ t: 'header', format: 'openphone-import-journal', version: 1, mappingHash: 'h', baseUrl: 'x', createdAt: 'x' })}\n`);
  const codes = ['EMAIL_INVALID', 'CONTROL_CHARACTER', 'DUPLICATE_EXTERNAL_ID', 'API_422_0800422', 'API_403_0801403', 'NETWORK_TIMEOUT', 'API_503_0801503', 'LOOKUP_FAILED', 'RATE_LIMITED'];
  writeFileSync(join(state, 'failures.csv'), `\uFEFFid,_error_code\n${codes.map((c, i) => `r${i},${c}`).join('\n')}\n`);
  const s = await jobStatus(state);
  expect(s.failuresReport).toMatchObject({ rows: 9, invalid: 2, duplicate: 1, refusedByApi: 2, notThrough: 4 });
});
