import { DateTime } from 'luxon';
import { toBoolean } from '../../src/mapping/transforms/boolean.js';
import { toIsoDate } from '../../src/mapping/transforms/date.js';
import { toEmail } from '../../src/mapping/transforms/email.js';
import { toNumber } from '../../src/mapping/transforms/number.js';
import { toE164 } from '../../src/mapping/transforms/phone.js';
import { splitCell } from '../../src/mapping/transforms/split.js';
import { toUrl } from '../../src/mapping/transforms/url.js';

const value = <T>(r: { kind: 'ok'; value: T } | { kind: 'bad' }) => (r.kind === 'ok' ? r.value : undefined);
const code = (r: { kind: 'ok' | 'bad'; code?: string }) => (r.kind === 'ok' ? 'ok' : r.code);

describe('phone → E.164', () => {
  test.each([
    ['(415) 555-0132', 'US', '+14155550132'],
    ['415.555.0132', 'US', '+14155550132'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['tel:+1-212-555-0187', undefined, '+12125550187'],
    ['+49 30 1234567', undefined, '+49301234567'],
  ])('%s in %s → %s', (input, country, expected) => {
    expect(value(toE164(input, country as never))).toBe(expected);
  });
  test.each([['123'], ['not a phone'], ['555-0132'], ['']])('%s is PHONE_INVALID', (input) => {
    expect(code(toE164(input, 'US'))).toBe('PHONE_INVALID');
  });
  test('a national number without a default country says why', () => {
    const r = toE164('415 555 0132', undefined);
    expect(r.kind).toBe('bad');
    if (r.kind === 'bad') expect(r.expected).toMatch(/no phone\.defaultCountry or country column is set/);
  });
  test('a well-formed number not in use says which country it was read in', () => {
    const r = toE164('+44 7700 900123', 'US');
    expect(r.kind === 'bad' && r.expected).toBe(
      'expected a valid phone number: +447700900123 is not a number in use in +44',
    );
  });
});

describe('email', () => {
  test.each(['a@example.com', 'first.last+tag@sub.example.co.uk', 'mailto:x@example.org'])('%s is accepted', (e) => {
    expect(code(toEmail(e))).toBe('ok');
  });
  test('mailto: is removed', () => expect(value(toEmail('mailto:x@example.org'))).toBe('x@example.org'));
  test.each([
    'plainaddress',
    'a@b',
    'a b@example.com',
    'a@example.com, b@example.com',
    'John <j@example.com>',
    '@example.com',
  ])('%s is EMAIL_INVALID', (e) => {
    expect(code(toEmail(e))).toBe('EMAIL_INVALID');
  });
});

describe('url', () => {
  test('adds https:// to a bare domain', () =>
    expect(value(toUrl('example.com/page'))).toBe('https://example.com/page'));
  test('keeps http URLs', () => expect(value(toUrl('http://example.com'))).toBe('http://example.com'));
  test.each(['not a url', 'ftp://example.com', 'localhost', 'https://'])('%s is URL_INVALID', (u) =>
    expect(code(toUrl(u))).toBe('URL_INVALID'),
  );
});

describe('boolean', () => {
  test.each([
    ['true', true],
    ['YES', true],
    ['y', true],
    ['1', true],
    ['False', false],
    ['no', false],
    ['N', false],
    ['0', false],
  ])('%s → %s', (input, expected) => {
    expect(value(toBoolean(input))).toBe(expected);
  });
  test('configurable words', () => {
    expect(value(toBoolean('Oui', ['oui'], ['non']))).toBe(true);
    expect(code(toBoolean('yes', ['oui'], ['non']))).toBe('BOOLEAN_INVALID');
  });
  test('anything else is BOOLEAN_INVALID', () => expect(code(toBoolean('maybe'))).toBe('BOOLEAN_INVALID'));
});

describe('number', () => {
  test.each([
    ['42', 42],
    ['-3.5', -3.5],
    ['1,234.5', 1234.5],
    ['+7', 7],
    [' 10 ', 10],
  ])('%s → %s', (input, expected) => {
    expect(value(toNumber(input))).toBe(expected);
  });
  test('comma decimals when configured', () => {
    expect(value(toNumber('1.234,5', ','))).toBe(1234.5);
    expect(value(toNumber('1,5', ','))).toBe(1.5);
  });
  test.each(['1,5', 'abc', '1.2.3', '12,34', ''])('%s is NUMBER_INVALID with "." decimals', (input) => {
    expect(code(toNumber(input))).toBe('NUMBER_INVALID');
  });
});

describe('date', () => {
  test('MM/dd/yyyy in New York is midnight there, as UTC ISO', () => {
    expect(value(toIsoDate('09/11/2024', 'MM/dd/yyyy', 'America/New_York'))).toBe('2024-09-11T04:00:00.000Z');
  });
  test('winter dates carry the winter offset', () => {
    expect(value(toIsoDate('01/15/2024', 'MM/dd/yyyy', 'America/New_York'))).toBe('2024-01-15T05:00:00.000Z');
  });
  test('east of UTC the instant is the evening before in UTC, but the same day in the zone', () => {
    const iso = value(toIsoDate('2024-03-01', undefined, 'Asia/Tokyo'))!;
    expect(iso).toBe('2024-02-29T15:00:00.000Z');
    expect(DateTime.fromISO(iso, { zone: 'Asia/Tokyo' }).toISODate()).toBe('2024-03-01');
  });
  test('ISO input without format, UTC by default', () => {
    expect(value(toIsoDate('2024-03-15', undefined))).toBe('2024-03-15T00:00:00.000Z');
  });
  test('never the day before or after, in any zone, across a year of dates', () => {
    for (const zone of ['America/Los_Angeles', 'UTC', 'Europe/Berlin', 'Pacific/Auckland', 'Pacific/Kiritimati']) {
      for (let d = DateTime.fromISO('2024-01-01', { zone: 'UTC' }); d.year === 2024; d = d.plus({ days: 1 })) {
        const iso = value(toIsoDate(d.toFormat('dd.MM.yyyy'), 'dd.MM.yyyy', zone))!;
        expect(DateTime.fromISO(iso, { zone }).toISODate()).toBe(d.toISODate());
      }
    }
  });
  test.each([['02/30/2024'], ['13/01/2024'], ['2024-01-01'], ['yesterday'], ['02/29/2023']])(
    '%s is DATE_INVALID for MM/dd/yyyy',
    (input) => {
      expect(code(toIsoDate(input, 'MM/dd/yyyy', 'UTC'))).toBe('DATE_INVALID');
    },
  );
});

describe('split', () => {
  test('trims, drops empties, keeps the first of repeats', () => {
    expect(splitCell(' a ; b;;a ; c ', ';')).toEqual(['a', 'b', 'c']);
  });
  test('without a separator the cell is one value', () => expect(splitCell(' a;b ', undefined)).toEqual(['a;b']));
  test('an empty cell has no values', () => expect(splitCell('  ', ';')).toEqual([]));
});
