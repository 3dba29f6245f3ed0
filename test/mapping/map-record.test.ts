import { mapRecord } from '../../src/mapping/map-record.js';
import { configFrom } from '../helpers/config.js';

const config = configFrom({
  externalId: 'Id',
  source: 'crm-import',
  createdByUserId: 'US1',
  defaultFields: {
    firstName: 'First',
    lastName: 'Last',
    company: 'Company',
    role: 'Role',
    emails: [{ name: 'work', column: 'Email' }, { name: 'other', column: 'More', split: ';' }],
    phoneNumbers: [{ name: 'mobile', column: 'Mobile' }, { name: 'work', column: 'Phone' }],
  },
  customFields: [
    { key: 'tags', type: 'multi-select', column: 'Tags', split: '|' },
    { key: 'since', type: 'date', column: 'Since', format: 'MM/dd/yyyy', timezone: 'America/New_York' },
    { key: 'vip', type: 'boolean', column: 'VIP' },
    { key: 'score', type: 'number', column: 'Score' },
    { key: 'site', type: 'url', column: 'Site' },
    { key: 'addr', type: 'address', column: 'Address' },
  ],
  phone: { defaultCountry: 'US' },
});

const map = (row: Record<string, string>, line = 7) => mapRecord(config, (c) => row[c] ?? '', line);
const codes = (row: Record<string, string>) => map(row).problems.map((p) => `${p.code}:${p.column ?? ''}`);

test('a full record maps to the API body', () => {
  const r = map({
    Id: ' 42 ', First: ' Ada ', Last: 'Lovelace', Company: 'Engines', Role: 'Founder',
    Email: 'ada@example.com', More: 'ADA@example.com; ada2@example.com', Mobile: '(415) 555-0132', Phone: '+1 415 555 0132',
    Tags: 'a|b|a', Since: '03/15/2024', VIP: 'yes', Score: '7.5', Site: 'example.com', Address: '1 Main St',
  });
  expect(r.problems).toEqual([]);
  expect(r.payload).toEqual({
    defaultFields: {
      firstName: 'Ada', lastName: 'Lovelace', company: 'Engines', role: 'Founder',
      emails: [{ name: 'work', value: 'ada@example.com' }, { name: 'other', value: 'ada2@example.com' }],
      phoneNumbers: [{ name: 'mobile', value: '+14155550132' }],
    },
    customFields: [
      { key: 'tags', value: ['a', 'b'] },
      { key: 'since', value: '2024-03-15T04:00:00.000Z' },
      { key: 'vip', value: true },
      { key: 'score', value: 7.5 },
      { key: 'site', value: 'https://example.com' },
      { key: 'addr', value: '1 Main St' },
    ],
    createdByUserId: 'US1',
    source: 'crm-import',
    externalId: '42',
  });
});

test('empty cells leave their fields out; firstName is null, never absent', () => {
  const r = map({ Id: '1', Company: 'Acme' });
  expect(r.payload).toEqual({ defaultFields: { firstName: null, company: 'Acme' }, createdByUserId: 'US1', source: 'crm-import', externalId: '1' });
});

test('every problem of a record is reported at once, with line, column and value', () => {
  const r = map({ Id: '9', First: 'X', Email: 'nope', Mobile: '123', Since: '02/30/2024', VIP: 'maybe', Score: 'ten', Site: 'not a site' });
  expect(r.payload).toBeUndefined();
  expect(r.externalId).toBe('9');
  expect(r.problems).toEqual([
    expect.objectContaining({ code: 'EMAIL_INVALID', line: 7, column: 'Email', value: 'nope' }),
    expect.objectContaining({ code: 'PHONE_INVALID', line: 7, column: 'Mobile', value: '123' }),
    expect.objectContaining({ code: 'DATE_INVALID', line: 7, column: 'Since', value: '02/30/2024' }),
    expect.objectContaining({ code: 'BOOLEAN_INVALID', column: 'VIP', value: 'maybe' }),
    expect.objectContaining({ code: 'NUMBER_INVALID', column: 'Score', value: 'ten' }),
    expect.objectContaining({ code: 'URL_INVALID', column: 'Site', value: 'not a site' }),
  ]);
});

test('a split cell reports each bad value by itself', () => {
  expect(codes({ Id: '1', First: 'A', More: 'ok@example.com;bad;also bad' })).toEqual(['EMAIL_INVALID:More', 'EMAIL_INVALID:More']);
});

test('externalId is required and at most 75 characters', () => {
  expect(codes({ First: 'A' })).toEqual(['EXTERNAL_ID_MISSING:Id']);
  expect(codes({ Id: '   ', First: 'A' })).toEqual(['EXTERNAL_ID_MISSING:Id']);
  const long = map({ Id: 'x'.repeat(76), First: 'A' });
  expect(long.problems).toEqual([expect.objectContaining({ code: 'EXTERNAL_ID_TOO_LONG', value: 'x'.repeat(76) })]);
  expect(codes({ Id: 'x'.repeat(75), First: 'A' })).toEqual([]);
});

test('a record with no name, company, email or phone is an empty contact', () => {
  expect(codes({ Id: '1', Role: 'CEO', Tags: 'a' })).toEqual(['EMPTY_CONTACT:']);
  // A record whose phone is invalid is not empty: the phone problem is the one to fix.
  expect(codes({ Id: '1', Mobile: 'abc' })).toEqual(['PHONE_INVALID:Mobile']);
});

test('externalId templates join columns and refuse half-made ids', () => {
  const t = configFrom({ externalId: { template: 'hs-{A}-{B}' }, defaultFields: { firstName: 'A' } });
  expect(mapRecord(t, (c) => ({ A: 'x', B: 'y' })[c] ?? '', 1).externalId).toBe('hs-x-y');
  expect(mapRecord(t, (c) => ({ A: 'x' })[c] ?? '', 1).problems.map((p) => p.code)).toEqual(['EXTERNAL_ID_MISSING']);
});

test('phone entries use their own default country', () => {
  const c = configFrom({ externalId: 'Id', phone: { defaultCountry: 'US' }, defaultFields: { phoneNumbers: [{ name: 'uk', column: 'P', defaultCountry: 'GB' }] } });
  expect(mapRecord(c, (k) => ({ Id: '1', P: '020 7946 0958' })[k] ?? '', 1).payload?.defaultFields.phoneNumbers).toEqual([{ name: 'uk', value: '+442079460958' }]);
});
