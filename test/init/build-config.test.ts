import { buildConfig } from '../../src/init/build-config.js';
import { guessCountry } from '../../src/init/guess-country.js';

describe('the pure parts', () => {
  test('Salesforce names; no id column and no unique email: a template, with the reason', () => {
    const sf = buildConfig({
      header: ['Id', 'FirstName', 'LastName', 'MobilePhone', 'Account.Name'],
      sample: [['003A', 'Ada', 'L', '+14155550132', 'Acme']],
      delimiter: ',',
      encoding: 'utf-8',
    });
    expect(sf.config).toMatchObject({
      externalId: { column: 'Id' },
      defaultFields: {
        firstName: 'FirstName',
        lastName: 'LastName',
        company: 'Account.Name',
        phoneNumbers: [{ name: 'mobile', column: 'MobilePhone' }],
      },
    });
    const none = buildConfig({
      header: ['First Name', 'Last Name', 'Email'],
      sample: [
        ['A', 'B', 'x@example.com'],
        ['C', 'D', 'x@example.com'],
      ],
      delimiter: ',',
      encoding: 'utf-8',
    });
    expect(none.config.externalId).toEqual({ template: '{First Name}|{Last Name}|{Email}', allowEmpty: true });
    expect(none.notes.join('\n')).toMatch(/no id column and no filled, unique email/);
  });
  test('the default country follows the evidence, with a margin', () => {
    expect(guessCountry({ phones: ['020 7946 0958', '07911 123456', '+44 161 496 0000'] })).toMatchObject({
      country: 'GB',
      sure: true,
    });
    expect(guessCountry({ phones: ['+49 30 1234567', '+49 151 12345678', '089/1234567'] }).country).toBe('DE');
    expect(guessCountry({ phones: ['12', '34'] })).toMatchObject({
      country: undefined,
      why: expect.stringMatching(/nothing in the sample says which country/),
    });
  });
  test('an open numbering plan never wins because everything validates there: US numbers with one UK and one 7-digit number stay US', () => {
    const g = guessCountry({
      phones: [
        '(415) 555-0199',
        '212-555-0187',
        '415.555.0101 ext. 23',
        '(305) 555-0112',
        '+44 20 7946 0958',
        '5550134',
      ],
    });
    expect(g).toMatchObject({ country: 'US', sure: true });
    expect(g.scores.map(([c]) => c)).not.toContain('DE');
  });
  test('no clear majority among the numbers written nationally: no default, and the reason names the contenders', () => {
    const g = guessCountry({ phones: ['(415) 555-0199', '(212) 555-0187', '01 42 68 53 00', '06 12 34 56 78'] });
    expect(g.country).toBeUndefined();
    expect(g.why).toMatch(/no country has a clear majority \(US: .*; FR: /);
  });
  test('a mostly-US file with a few foreign numbers written with +country code (6 : 2 : 2): US, since the default is for the numbers written nationally', () => {
    const g = guessCountry({
      phones: [
        '(425) 555-0100',
        '(425) 555-0101',
        '206-555-0102',
        '(206) 555-0103',
        '1 (800) 555-0104',
        '425.555.0105',
        '+44 20 7946 0958',
        '+44 161 496 0000',
        '+49 30 1234567',
        '+49 151 12345678',
      ],
    });
    expect(g).toMatchObject({ country: 'US', sure: true });
    expect(g.why).toMatch(
      /6 of the 6 numbers written without \+country code are in North American format.*the others \(GB: .*; DE: .*\) keep their own country or are reported/,
    );
  });
  test('the evidence is counted in words that agree with the count: 1 number, 2 numbers', () => {
    const g = guessCountry({
      phones: [
        '(425) 555-0100',
        '(425) 555-0101',
        '206-555-0102',
        '+44 20 7946 0958',
        '+49 30 1234567',
        '+49 89 1234567',
      ],
      emails: ['a@firma.example.de'],
    });
    expect(g.why).toMatch(/GB: 1 number written with \+country code[;)]/);
    expect(g.why).toMatch(/DE: 2 numbers written with \+country code, 1 e-mail address under \.de[;)]/);
  });
  test('country columns and e-mail domains count as evidence; names and codes in several languages', () => {
    expect(
      guessCountry({
        phones: ['030 1234567'],
        countryCells: ['Deutschland', 'Germany', 'DE'],
        emails: ['a@firma.example.de'],
      }).country,
    ).toBe('DE');
    expect(guessCountry({ phones: [], countryCells: ['France', 'FR', 'Frankreich'] }).country).toBe('FR');
  });
});
describe('custom fields matched to the workspace get the formats their sample is written in', () => {
  const fields = [
    { name: 'Newsletter', key: 'newsletter', type: 'boolean' as const },
    { name: 'Kunde seit', key: 'kunde-seit', type: 'date' as const },
    { name: 'Umsatz', key: 'umsatz', type: 'number' as const },
  ];
  test('German: Ja/Nein, d.M.yyyy (reads 01.02.2024 and 1.2.2024 alike), decimal commas', () => {
    const r = buildConfig({
      header: ['Vorname', 'Nachname', 'E-Mail-Adresse', 'Newsletter', 'Kunde seit', 'Umsatz'],
      sample: [
        ['Jürgen', 'Groß', 'j@example.de', 'Ja', '31.12.2023', '12.345,67'],
        ['Bärbel', 'Müller', 'b@example.de', 'Nein', '01.02.2024', '980,50'],
      ],
      delimiter: ';',
      encoding: 'windows-1252',
      customFields: fields,
    });
    expect(r.config.customFields).toEqual([
      { key: 'newsletter', type: 'boolean', column: 'Newsletter', trueValues: ['Ja'], falseValues: ['Nein'] },
      { key: 'kunde-seit', type: 'date', column: 'Kunde seit', format: 'd.M.yyyy' },
      { key: 'umsatz', type: 'number', column: 'Umsatz', decimalSeparator: ',' },
    ]);
  });
  test("US thousands separators are not decimal commas: 1,200 is decided by the other cells, by the file's country, or left for the person with a warning", () => {
    const us = buildConfig({
      header: ['First Name', 'Phone', 'Umsatz'],
      sample: [
        ['A', '(415) 555-0132', '1,200'],
        ['B', '(212) 555-0187', '17,500'],
        ['C', '(305) 555-0112', '950'],
      ],
      delimiter: ',',
      encoding: 'utf-8',
      customFields: fields,
    });
    expect(us.config.customFields).toEqual([{ key: 'umsatz', type: 'number', column: 'Umsatz' }]);
    const mixed = buildConfig({
      header: ['First Name', 'Umsatz'],
      sample: [
        ['A', '1,200'],
        ['B', '987,00'],
      ],
      delimiter: ';',
      encoding: 'utf-8',
      customFields: fields,
    });
    expect(mixed.config.customFields).toEqual([
      { key: 'umsatz', type: 'number', column: 'Umsatz', decimalSeparator: ',' },
    ]);
    const unknown = buildConfig({
      header: ['First Name', 'Umsatz'],
      sample: [
        ['A', '1,200'],
        ['B', '17,500'],
      ],
      delimiter: ';',
      encoding: 'utf-8',
      customFields: fields,
    });
    expect(unknown.config.customFields).toEqual([{ key: 'umsatz', type: 'number', column: 'Umsatz' }]);
    expect(unknown.notes.join('\n')).toMatch(
      /WARNING: "1,200", "17,500" could be thousands \(1200\) or a decimal comma \(1\.200\)/,
    );
  });
  test('French Oui/Non and Spanish Sí/No; a date that could be either day or month first is said to be ambiguous', () => {
    const fr = buildConfig({
      header: ['Prénom', 'Newsletter', 'Kunde seit'],
      sample: [
        ['A', 'Oui', '03/04/2024'],
        ['B', 'Non', '05/06/2024'],
      ],
      delimiter: ';',
      encoding: 'utf-8',
      customFields: fields,
    });
    expect(fr.config.customFields?.[0]).toMatchObject({ trueValues: ['Oui'], falseValues: ['Non'] });
    expect(fr.notes.join('\n')).toMatch(
      /the sample fits .*d\/M\/yyyy.*M\/d\/yyyy|the sample fits .*M\/d\/yyyy.*d\/M\/yyyy/,
    );
    const es = buildConfig({
      header: ['Nombre', 'Newsletter'],
      sample: [
        ['A', 'Sí'],
        ['B', 'No'],
      ],
      delimiter: ';',
      encoding: 'utf-8',
      customFields: fields,
    });
    expect(es.config.customFields?.[0]).toMatchObject({ trueValues: ['Sí'], falseValues: ['No'] });
  });
});

test('without the key, an unmapped column of dates is named with the format that reads all of it', () => {
  const r = buildConfig({
    header: ['Vorname', 'Nachname', 'E-Mail-Adresse', 'Geburtstag', 'Kundennummer'],
    sample: [
      ['Jürgen', 'Groß', 'j@example.de', '15.03.1975', '1001'],
      ['Bärbel', 'Müller', 'b@example.de', '3.7.1982', '1002'],
      ['Uwe', 'Klein', 'u@example.de', '', '1003'],
    ],
    delimiter: ';',
    encoding: 'windows-1252',
  });
  expect(r.notes).toContainEqual(
    expect.stringMatching(
      /^column "Geburtstag" holds dates written d\.M\.yyyy: to import it, map it to a date custom field with \{ "type": "date", "column": "Geburtstag", "format": "d\.M\.yyyy" \} \(with OPENPHONE_API_KEY set, init maps it/,
    ),
  );
  // An id column of digits is not a date column.
  expect(r.notes.join('\n')).not.toMatch(/column "Kundennummer" holds dates/);
});

test('ids a spreadsheet app wrote in scientific notation: the column is still the id, and the note says those records fail and why', () => {
  const r = buildConfig({
    header: ['Record ID', 'First Name', 'Email'],
    sample: [
      ['1.23457E+13', 'Ada', 'ada@example.com'],
      ['1.23457E+13', 'Grace', 'grace@example.com'],
      ['12345678901236', 'Alan', 'alan@example.com'],
    ],
    delimiter: ',',
    encoding: 'utf-8',
  });
  expect(r.config.externalId).toEqual({ column: 'Record ID' });
  expect(r.notes.join('\n')).toMatch(/2 in scientific notation.*\(EXTERNAL_ID_SCIENTIFIC\)/);
});
