import { contactRequestProblems } from '../../src/api/contract.js';
import { mapRecord } from '../../src/mapping/map-record.js';
import { configFrom } from '../helpers/config.js';

const FULL = {
  externalId: 'Id',
  source: 'crm-import',
  createdByUserId: 'US1',
  defaultFields: {
    firstName: 'First',
    lastName: 'Last',
    company: 'Company',
    role: 'Role',
    emails: [
      { name: 'work', column: 'Email' },
      { name: 'other', column: 'More', split: ';' },
    ],
    phoneNumbers: [
      { name: 'mobile', column: 'Mobile' },
      { name: 'work', column: 'Phone' },
    ],
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
  // The tests of problem reporting run with bad values failing the record; "drop" (the default) has its own below.
  invalidValues: 'fail',
};
const config = configFrom(FULL);

const map = (row: Record<string, string>, line = 7) => mapRecord(config, (c) => row[c] ?? '', line);
const codes = (row: Record<string, string>) => map(row).problems.map((p) => `${p.code}:${p.column ?? ''}`);

test('a full record maps to the API body', () => {
  const r = map({
    Id: ' 42 ',
    First: ' Ada ',
    Last: 'Lovelace',
    Company: 'Engines',
    Role: 'Founder',
    Email: 'ada@example.com',
    More: 'ADA@example.com; ada2@example.com',
    Mobile: '(415) 555-0132',
    Phone: '+1 415 555 0132',
    Tags: 'a|b|a',
    Since: '03/15/2024',
    VIP: 'yes',
    Score: '7.5',
    Site: 'example.com',
    Address: '1 Main St',
  });
  expect(r.problems).toEqual([]);
  expect(r.payload).toEqual({
    defaultFields: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Engines',
      role: 'Founder',
      emails: [
        { name: 'work', value: 'ada@example.com' },
        { name: 'other', value: 'ada2@example.com' },
      ],
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
  expect(r.payload).toEqual({
    defaultFields: { firstName: null, company: 'Acme' },
    createdByUserId: 'US1',
    source: 'crm-import',
    externalId: '1',
  });
});

test('every problem of a record is reported at once, with line, column and value', () => {
  const r = map({
    Id: '9',
    First: 'X',
    Email: 'nope',
    Mobile: '123',
    Since: '02/30/2024',
    VIP: 'maybe',
    Score: 'ten',
    Site: 'not a site',
  });
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
  expect(codes({ Id: '1', First: 'A', More: 'ok@example.com;bad;also bad' })).toEqual([
    'EMAIL_INVALID:More',
    'EMAIL_INVALID:More',
  ]);
});

test('an externalId a spreadsheet app wrote in scientific notation has lost its digits: refused, never taken for an id', () => {
  const mangled = map({ Id: '1.23457E+13', First: 'A' });
  expect(mangled.problems).toEqual([
    expect.objectContaining({ code: 'EXTERNAL_ID_SCIENTIFIC', column: 'Id', value: '1.23457E+13' }),
  ]);
  expect(codes({ Id: '4,5E+12', First: 'A' })).toEqual(['EXTERNAL_ID_SCIENTIFIC:Id']);
  // Ids that only look alike are ids.
  expect(codes({ Id: '12345678901234', First: 'A' })).toEqual([]);
  expect(codes({ Id: 'E12', First: 'A' })).toEqual([]);
  expect(codes({ Id: '3E-ORDER', First: 'A' })).toEqual([]);
  // Hex ids (a database's object ids) are not Excel's notation: no capital E with a sign.
  expect(codes({ Id: '8e12', First: 'A' })).toEqual([]);
  expect(codes({ Id: '1E5', First: 'A' })).toEqual([]);
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
  const c = configFrom({
    externalId: 'Id',
    phone: { defaultCountry: 'US' },
    defaultFields: { phoneNumbers: [{ name: 'uk', column: 'P', defaultCountry: 'GB' }] },
  });
  expect(
    mapRecord(c, (k) => ({ Id: '1', P: '020 7946 0958' })[k] ?? '', 1).payload?.defaultFields.phoneNumbers,
  ).toEqual([{ name: 'uk', value: '+442079460958' }]);
});

describe('invalidValues "drop" (the default): a bad value is left out and reported, the contact imported', () => {
  const outlook = configFrom({
    externalId: 'Id',
    defaultFields: {
      firstName: 'First Name',
      lastName: 'Last Name',
      emails: [
        { name: 'work', column: 'E-mail Address' },
        { name: 'other', column: 'E-mail 2 Address' },
      ],
      phoneNumbers: [
        { name: 'work', column: 'Business Phone' },
        { name: 'other', column: 'Other Phone' },
      ],
    },
    phone: { defaultCountry: 'US', countryColumn: 'Country' },
  });
  const mapOutlook = (row: Record<string, string>) => mapRecord(outlook, (c) => row[c] ?? '', 3);

  test('Dana Whitfield: the Exchange address is dropped, the SMTP address kept, and the drop says where and why', () => {
    const r = mapOutlook({
      Id: '1',
      'First Name': 'Dana',
      'Last Name': 'Whitfield',
      'E-mail Address': '/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=dana',
      'E-mail 2 Address': 'dana.whitfield@example.com',
    });
    expect(r.problems).toEqual([]);
    expect(r.payload?.defaultFields.emails).toEqual([{ name: 'other', value: 'dana.whitfield@example.com' }]);
    expect(r.dropped).toEqual([
      expect.objectContaining({
        code: 'EMAIL_INVALID',
        line: 3,
        column: 'E-mail Address',
        value: expect.stringMatching(/^\/o=ExchangeLabs/),
      }),
    ]);
  });

  test('1-800-FLOWERS in a second phone column is dropped, with a word on letters', () => {
    const r = mapOutlook({
      Id: '1',
      'First Name': 'Flo',
      'Business Phone': '(415) 555-0199',
      'Other Phone': '1-800-FLOWERS',
    });
    expect(r.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+14155550199' }]);
    expect(r.dropped?.[0]).toMatchObject({
      code: 'PHONE_INVALID',
      column: 'Other Phone',
      value: '1-800-FLOWERS',
      message: expect.stringMatching(/letters/),
    });
  });

  test('an extension is kept apart: the number imported, the extension reported', () => {
    const r = mapOutlook({ Id: '1', 'First Name': 'Ext', 'Business Phone': '415.555.0101 ext. 23' });
    expect(r.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+14155550101' }]);
    expect(r.dropped).toEqual([
      expect.objectContaining({
        code: 'PHONE_EXTENSION_DROPPED',
        value: '415.555.0101 ext. 23',
        message: expect.stringMatching(/"23"/),
      }),
    ]);
  });

  test("the record's country column decides how a national number is read", () => {
    const de = mapOutlook({ Id: '1', 'First Name': 'Jürgen', 'Business Phone': '030 1234567', Country: 'Deutschland' });
    expect(de.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+49301234567' }]);
    const fr = mapOutlook({ Id: '2', 'First Name': 'Amélie', 'Business Phone': '01 42 68 53 00', Country: 'France' });
    expect(fr.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+33142685300' }]);
    const us = mapOutlook({ Id: '3', 'First Name': 'Sam', 'Business Phone': '(415) 555-0199', Country: 'USA' });
    expect(us.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+14155550199' }]);
  });

  test('a country cell not understood is reported, and the default country is used', () => {
    const r = mapOutlook({ Id: '1', 'First Name': 'N', 'Business Phone': '(415) 555-0199', Country: 'Narnia' });
    expect(r.payload?.defaultFields.phoneNumbers).toEqual([{ name: 'work', value: '+14155550199' }]);
    expect(r.dropped).toEqual([
      expect.objectContaining({ code: 'PHONE_COUNTRY_UNKNOWN', column: 'Country', value: 'Narnia' }),
    ]);
  });

  test('a contact left with nothing to import fails, naming the values that were bad', () => {
    const r = mapOutlook({ Id: '1', 'Other Phone': '1-800-FLOWERS' });
    expect(r.payload).toBeUndefined();
    expect(r.problems.map((p) => p.code)).toEqual(['PHONE_INVALID', 'EMPTY_CONTACT']);
  });

  test('a record that fails for another reason lists its bad values too', () => {
    const r = mapOutlook({ 'First Name': 'No id', 'E-mail Address': 'nope' });
    expect(r.problems.map((p) => p.code)).toEqual(['EXTERNAL_ID_MISSING', 'EMAIL_INVALID']);
  });
});

describe('externalId templates without an id column', () => {
  const google = configFrom({
    externalId: { template: '{First Name}|{Last Name}|{Organization Name}|{E-mail 1 - Value}', allowEmpty: true },
    defaultFields: {
      firstName: 'First Name',
      lastName: 'Last Name',
      company: 'Organization Name',
      emails: [{ name: 'work', column: 'E-mail 1 - Value', split: ' ::: ' }],
    },
  });
  const id = (row: Record<string, string>) => mapRecord(google, (c) => row[c] ?? '', 5);

  test('a company-only contact gets an id from what it has', () => {
    expect(id({ 'Organization Name': 'Acme GmbH' }).externalId).toBe('||Acme GmbH|');
  });

  test('a multi-value cell gives its first value: the separator never enters the id', () => {
    expect(id({ 'First Name': 'Ada', 'E-mail 1 - Value': 'ada@example.com ::: ada@home.example' }).externalId).toBe(
      'Ada|||ada@example.com',
    );
  });

  test('all parts empty: the error names every column', () => {
    const p = id({}).problems[0]!;
    expect(p.code).toBe('EXTERNAL_ID_MISSING');
    expect(p.message).toMatch(/"First Name", "Last Name", "Organization Name", "E-mail 1 - Value"/);
  });

  test('a strict template names the empty column, and says how to allow it', () => {
    const strict = configFrom({ externalId: { template: 'crm-{Id}-{Region}' }, defaultFields: { firstName: 'Id' } });
    const p = mapRecord(strict, (c) => ({ Id: '7' })[c] ?? '', 2).problems[0]!;
    expect(p).toMatchObject({ code: 'EXTERNAL_ID_MISSING', column: 'Region' });
    expect(p.message).toMatch(/needs "Region", which is empty.*externalId.allowEmpty/);
  });
});

test('an id built from long names stays within 75 characters, the same on every run, and distinct per record', async () => {
  const { fitToIdLength } = await import('../../src/config/template.js');
  const long = 'Maximiliane-Theodora|von Hohenzollern-Sigmaringen|Internationale Handelsgesellschaft mbH|';
  const a = fitToIdLength(`${long}a@example.com`);
  const b = fitToIdLength(`${long}b@example.com`);
  expect(a).toHaveLength(75);
  expect(a.startsWith('Maximiliane-Theodora|von Hohenzollern')).toBe(true);
  expect(a).toBe(fitToIdLength(`${long}a@example.com`));
  expect(a).not.toBe(b);
  expect(fitToIdLength('short|id')).toBe('short|id');
});

test('a custom-field value that does not convert is answered with the config fix that would read it', () => {
  const c = configFrom({
    externalId: 'Id',
    invalidValues: 'fail',
    defaultFields: { firstName: 'Name' },
    customFields: [
      { key: 'vip', type: 'boolean', column: 'VIP' },
      { key: 'since', type: 'date', column: 'Since', format: 'MM/dd/yyyy' },
      { key: 'revenue', type: 'number', column: 'Umsatz' },
    ],
  });
  const problems = mapRecord(
    c,
    (k) => ({ Id: '1', Name: 'Jürgen', VIP: 'Ja', Since: '31.12.2024', Umsatz: '12.345,67' })[k] ?? '',
    4,
  ).problems;
  expect(problems.map((p) => p.message)).toEqual([
    expect.stringContaining(
      'if "Ja" means yes, set customFields[0].trueValues to ["Ja"] (and customFields[0].falseValues to the other word)',
    ),
    expect.stringContaining('set customFields[1].format to "d.M.yyyy"'),
    expect.stringContaining('set customFields[2].decimalSeparator to ","'),
  ]);
  // The hint from the first failing cell of a mixed column (15.03.1975, then 3.7.1982) reads all of it: one fix, not two.
  const hinted = configFrom({
    externalId: 'Id',
    invalidValues: 'fail',
    defaultFields: { firstName: 'Name' },
    customFields: [{ key: 'born', type: 'date', column: 'Born', format: 'MM/dd/yyyy' }],
  });
  const format = /set customFields\[0\]\.format to "([^"]+)"/.exec(
    mapRecord(hinted, (k) => ({ Id: '1', Name: 'A', Born: '15.03.1975' })[k] ?? '', 2).problems[0]!.message,
  )![1]!;
  const fixed = configFrom({
    externalId: 'Id',
    invalidValues: 'fail',
    defaultFields: { firstName: 'Name' },
    customFields: [{ key: 'born', type: 'date', column: 'Born', format }],
  });
  for (const born of ['15.03.1975', '3.7.1982'])
    expect(mapRecord(fixed, (k) => ({ Id: '1', Name: 'A', Born: born })[k] ?? '', 2).problems).toEqual([]);
});

test('two addresses in one email cell: the fix is a split on that column, named by its config path', () => {
  const c = configFrom({
    externalId: 'Id',
    invalidValues: 'fail',
    defaultFields: { firstName: 'N', emails: [{ name: 'work', column: 'E-mail 1 - Value' }] },
  });
  const [p] = mapRecord(
    c,
    (k) => ({ Id: '1', N: 'A', 'E-mail 1 - Value': 'a@example.com; b@example.com' })[k] ?? '',
    11,
  ).problems;
  expect(p).toMatchObject({
    code: 'EMAIL_INVALID',
    line: 11,
    column: 'E-mail 1 - Value',
    value: 'a@example.com; b@example.com',
  });
  expect(p!.message).toMatch(/several values in one cell: add "split": ";" to defaultFields\.emails\[0\]$/);
});

test("a record's own label names its value (Google's label columns), the k-th label the k-th value; the config's name when empty", () => {
  const c = configFrom({
    externalId: 'Id',
    defaultFields: {
      firstName: 'N',
      phoneNumbers: [{ name: 'phone 1', nameColumn: 'Phone 1 - Label', column: 'Phone 1 - Value', split: ' ::: ' }],
    },
    phone: { defaultCountry: 'US' },
  });
  const phones = (row: Record<string, string>) =>
    mapRecord(c, (k) => ({ Id: '1', N: 'A', ...row })[k] ?? '', 2).payload?.defaultFields.phoneNumbers;
  expect(
    phones({ 'Phone 1 - Label': '* Mobile ::: Work', 'Phone 1 - Value': '(415) 555-0132 ::: (212) 555-0187' }),
  ).toEqual([
    { name: 'Mobile', value: '+14155550132' },
    { name: 'Work', value: '+12125550187' },
  ]);
  expect(phones({ 'Phone 1 - Label': '', 'Phone 1 - Value': '(415) 555-0132' })).toEqual([
    { name: 'phone 1', value: '+14155550132' },
  ]);
});

describe('every body the mapping builds is one the contract accepts (it is not checked again per record)', () => {
  // Seeded, so a failure reproduces: cells drawn from values each column reads,
  // values it refuses, and text made to break things.
  let seed = 20261129;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const anything = [
    '',
    ' ',
    '\t',
    '"',
    '""',
    ';',
    '|',
    ' ::: ',
    '\n',
    'ä ö ü ß',
    'Zoë 🙂',
    '\u0000',
    '=cmd|x',
    'NaN',
    'Infinity',
    '1e309',
    '-0',
    'null',
    'x'.repeat(300),
    '\ud800',
  ];
  const cells: Record<string, readonly string[]> = {
    Id: ['1', ' 42 ', 'a'.repeat(75), 'a'.repeat(76), ...anything],
    First: ['Ada', ...anything],
    Last: ['Lovelace', ...anything],
    Company: ['Engines', ...anything],
    Role: ['CTO', ...anything],
    Email: ['ada@example.com', 'ADA@Example.com', 'a@b', 'a@example.com; b@example.com', ...anything],
    More: ['x@example.com;y@example.com', 'x@example.com;;x@example.com', ...anything],
    Mobile: [
      '(415) 555-0132',
      '+44 20 7946 0958',
      '415-555-0132 x12',
      '1-800-FLOWERS',
      'tel:+14155550132',
      '+1',
      ...anything,
    ],
    Phone: ['+49 30 901820', '020 7946 0958', '(212) 555-0187', ...anything],
    Tags: ['a|b|a', '|', 'x', ...anything],
    Since: ['03/15/2024', '02/30/2024', '2024-03-15', ...anything],
    VIP: ['yes', 'no', 'TRUE', 'Ja', ...anything],
    Score: ['7.5', '1,234.5', '1,5', '-3', ...anything],
    Site: ['example.com', 'https://example.com/a?b=c', 'javascript:alert(1)', 'ftp://x', ...anything],
    Address: ['1 Main St', ...anything],
  };
  const drop = configFrom({
    ...FULL,
    invalidValues: 'drop',
    sourceUrl: 'https://crm.example.com/contacts',
    externalId: { template: '{First}-{Last}', allowEmpty: true },
  });

  // `chaos`: how often a cell is drawn from all its values rather than the first (a good one).
  test.each([
    ['invalidValues "fail", an id column', config, 0.1],
    ['invalidValues "drop", an id template', drop, 0.7],
  ])('%s', (_name, c, chaos) => {
    let bodies = 0;
    for (let line = 2; line < 4002; line++) {
      const row = Object.fromEntries(
        Object.entries(cells).map(([column, values]) => [column, random() < chaos ? pick(values) : values[0]!]),
      );
      const r = mapRecord(c, (column) => row[column] ?? '', line);
      if (r.payload === undefined) continue;
      bodies++;
      expect([line, r.problems, contactRequestProblems(r.payload)]).toEqual([line, [], []]);
    }
    // Not vacuous: many records made it to a body.
    expect(bodies).toBeGreaterThan(400);
  });
});

test.each([
  ['a NUL', 'Ada\u0000'],
  ['an escape', 'Ada\u001b[31m'],
  ['a DEL', 'A\u007fda'],
])('a cell with %s fails the record, naming the column, the character and where it is', (_name, cell) => {
  const r = map({ Id: '1', First: cell, Email: 'ada@example.com' });
  expect(r.payload).toBeUndefined();
  expect(r.problems).toContainEqual(
    expect.objectContaining({
      code: 'CONTROL_CHARACTER',
      column: 'First',
      message: expect.stringMatching(/found the control character U\+00(00|1B|7F) at position \d+/),
    }),
  );
});

test('tabs and line breaks in a cell are text, not control characters', () => {
  expect(codes({ Id: '1', First: 'Ada', Company: 'Analytical\tEngines\nLondon', Email: 'ada@example.com' })).toEqual(
    [],
  );
});

test('a cell past 10,000 characters fails the record by column, with its length; the value kept is cut', () => {
  const r = map({ Id: '1', First: 'A'.repeat(20_000_000), Email: 'ada@example.com' });
  expect(r.payload).toBeUndefined();
  const p = r.problems.find((x) => x.code === 'CELL_TOO_LONG')!;
  expect(p).toMatchObject({
    column: 'First',
    message: expect.stringMatching(/found a cell of 20000000 characters: at most 10000 are sent/),
  });
  expect(p.value!.length).toBeLessThan(120);
});
