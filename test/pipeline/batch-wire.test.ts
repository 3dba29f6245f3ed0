import type { CsvRecord } from '../../src/csv/read-csv.js';
import { decodeMapped, decodeRecords, encodeMapped, encodeRecords, transferables } from '../../src/pipeline/batch-wire.js';
import type { MappedBatch } from '../../src/pipeline/map-batch.js';

test('records survive the trip: empty cells, any characters, different widths', () => {
  const records: CsvRecord[] = [
    { kind: 'record', line: 2, fields: ['1', 'Zoë', '', 'a,"b"\nc', '🙂 x'] },
    { kind: 'record', line: 4, fields: ['', '', ''] },
    { kind: 'record', line: 9, fields: ['\u0000', 'J\uFFFDrg'] },
  ];
  const message = structuredClone(encodeRecords(records));
  expect(decodeRecords(message)).toEqual(records);
  expect(decodeRecords(encodeRecords([]))).toEqual([]);
});

test('mapped results survive the trip: with and without id, payload and problems', () => {
  const mapped: MappedBatch = [
    { externalId: 'a-1', payload: '{"defaultFields":{"firstName":"Zoë"}}', problems: [] },
    { externalId: undefined, problems: [{ code: 'EXTERNAL_ID_MISSING', line: 3, message: 'no id' }] },
    { externalId: 'ü', problems: [{ code: 'PHONE_INVALID', line: 4, column: 'Mobile', value: '12', message: 'bad' }, { code: 'EMAIL_INVALID', line: 4, column: 'Email', value: 'x', message: 'bad' }] },
    { externalId: '', payload: '', problems: [] },
  ];
  const message = encodeMapped(mapped);
  const decoded = decodeMapped(structuredClone(message, { transfer: transferables(message) }));
  expect(decoded).toEqual(mapped);
  expect(decoded[3]).toEqual({ externalId: '', payload: '', problems: [] });
});
