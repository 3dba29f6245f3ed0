import { indexHeader } from '../../src/csv/header.js';
import type { ValidRecord } from '../../src/classify/classify.js';
import { ContactPreview } from '../../src/report/contact-preview.js';

test("a preview line is cut to a line's width: a huge but valid name is never printed whole", () => {
  const preview = new ContactPreview(indexHeader(['Id', 'Name'], [], 'in.csv'), []);
  const record: ValidRecord = {
    kind: 'valid',
    line: 2,
    externalId: '1',
    payload: { defaultFields: { firstName: 'N'.repeat(9_000) }, externalId: '1' },
    fields: ['1', 'N'.repeat(9_000)],
  };
  preview.offer(record);
  expect(preview.lines[0]!.length).toBe(150);
  expect(preview.lines[0]).toMatch(/^line 2: N+…$/);
});
