import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { delimiterOfReport } from '../../src/report/csv-report.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

test("a report that grows across runs keeps the delimiter it was started with; a new one takes the input's", () => {
  const semicolons = join(dir(), 'created.csv');
  writeFileSync(semicolons, '\uFEFFline;externalId;contactId\n2;"a,b";CT1\n');
  expect(delimiterOfReport(semicolons, ',')).toBe(';');
  const commas = join(dir(), 'deleted.csv');
  writeFileSync(commas, '\uFEFFexternalId,contactId,firstName\n');
  expect(delimiterOfReport(commas, ';')).toBe(',');
  expect(delimiterOfReport(join(dir(), 'none.csv'), '\t')).toBe('\t');
});
