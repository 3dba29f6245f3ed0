import { DateTime } from 'luxon';
import { DEFAULT_FALSE, DEFAULT_TRUE } from './transforms/boolean.js';

/** Yes/no words of common languages, as (true, false) pairs. */
const BOOLEAN_PAIRS: readonly (readonly [readonly string[], readonly string[]])[] = [
  [
    ['ja', 'j', 'wahr'],
    ['nein', 'n', 'falsch'],
  ],
  [
    ['oui', 'o', 'vrai'],
    ['non', 'n', 'faux'],
  ],
  [
    ['sí', 'si', 's', 'verdadero'],
    ['no', 'n', 'falso'],
  ],
  [['x', '✓', '✔'], ['-']],
];

/** trueValues/falseValues that read every sampled cell, when the defaults (true/yes/y/1, false/no/n/0) do not. */
export function inferBooleanWords(
  cells: readonly string[],
): { trueValues: string[]; falseValues: string[] } | undefined {
  const words = [...new Set(cells.map((c) => c.trim().toLowerCase()).filter(Boolean))];
  const known = (list: readonly string[]) => words.every((w) => list.includes(w));
  if (words.length === 0 || known([...DEFAULT_TRUE, ...DEFAULT_FALSE])) return undefined;
  for (const [yes, no] of BOOLEAN_PAIRS) {
    if (!known([...yes, ...no, ...DEFAULT_TRUE, ...DEFAULT_FALSE])) continue;
    const cased = (list: readonly string[]) =>
      list
        .filter((w) => cells.some((c) => c.trim().toLowerCase() === w))
        .map((w) => cells.find((c) => c.trim().toLowerCase() === w)!.trim());
    const trueValues = cased(yes);
    const falseValues = cased(no);
    if (trueValues.length + falseValues.length > 0)
      return {
        trueValues: trueValues.length ? trueValues : [yes[0]!],
        falseValues: falseValues.length ? falseValues : [no[0]!],
      };
  }
  return undefined;
}

/**
 * Formats in the order they are preferred when several read a sample. `d` and
 * `M` read one or two digits, so `d.M.yyyy` reads 15.03.1975 and 3.7.1982
 * alike: those come before their zero-padded twins, so the hint from the first
 * failing cell, or init's pick from a sample of padded dates, also reads the
 * rows written without the zero. Date-times come with and without seconds
 * (2023-01-10 09:30).
 */
const DATE_FORMATS = [
  'yyyy-MM-dd',
  'M/d/yyyy',
  'd/M/yyyy',
  'd.M.yyyy',
  'd-M-yyyy',
  'yyyy/M/d',
  'M/d/yy',
  'd.M.yy',
  "yyyy-MM-dd'T'HH:mm:ss",
  "yyyy-MM-dd'T'HH:mm",
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm',
  'M/d/yyyy H:mm',
  'M/d/yyyy h:mm a',
  'd/M/yyyy H:mm',
  'd.M.yyyy H:mm',
];

/**
 * The date formats that read every sampled cell. More than one (03/04/2024 is
 * March or April) is ambiguous: `prefer` breaks the tie by the export's
 * country (US: month first), else the caller says it could not tell.
 */
export function inferDateFormat(
  cells: readonly string[],
  prefer?: string,
): { format: string; ambiguous: readonly string[] } | undefined {
  const filled = cells.map((c) => c.trim()).filter(Boolean);
  if (filled.length === 0) return undefined;
  const fits = DATE_FORMATS.filter((f) => filled.every((c) => DateTime.fromFormat(c, f, { zone: 'UTC' }).isValid));
  if (fits.length === 0) return undefined;
  const monthFirst = prefer === 'US' || prefer === 'CA';
  const pick = fits.find((f) => (monthFirst ? /^M/.test(f) : /^d/.test(f))) ?? fits[0]!;
  const dayOrMonthFirst = fits.filter((f) => /^[dM]/.test(f));
  return {
    format: pick,
    ambiguous: dayOrMonthFirst.length > 1 && dayOrMonthFirst.some((f) => f[0] !== pick[0]) ? dayOrMonthFirst : [],
  };
}

/** Countries that write a decimal comma (12.345,67); elsewhere the comma groups thousands (12,345.67). */
const DECIMAL_COMMA_COUNTRIES = new Set([
  'DE',
  'AT',
  'CH',
  'FR',
  'BE',
  'ES',
  'IT',
  'NL',
  'PT',
  'BR',
  'DK',
  'SE',
  'NO',
  'FI',
  'PL',
  'CZ',
  'RU',
  'TR',
  'AR',
  'CL',
  'CO',
]);

/**
 * How the sample writes its numbers. `1,200` and `17,500` (a comma and
 * exactly three digits) fit both ways: a thousand and two hundred, or one
 * point two. They are decided by the other cells (`987,00` and `12.345,67`
 * say decimal comma, `1,234.5` and `12.5` decimal point), else by the file's
 * country, else left undecided (`ambiguous`) for the person to say.
 */
export function inferDecimalSeparator(
  cells: readonly string[],
  country?: string,
): { separator: ',' | undefined; ambiguous?: string } {
  const filled = cells.map((c) => c.trim()).filter(Boolean);
  const eitherWay = (c: string) => /^-?\d{1,3}(,\d{3})+$/.test(c);
  const continental = filled.filter((c) => !eitherWay(c) && /^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$/.test(c)).length;
  const english = filled.filter((c) => /^-?\d{1,3}(,\d{3})*\.\d+$|^-?\d+\.\d+$/.test(c)).length;
  if (continental > english) return { separator: ',' };
  if (english > 0) return { separator: undefined };
  const ambiguous = filled.filter(eitherWay);
  if (ambiguous.length === 0) return { separator: undefined };
  if (country !== undefined) return { separator: DECIMAL_COMMA_COUNTRIES.has(country) ? ',' : undefined };
  return {
    separator: undefined,
    ambiguous: `${ambiguous
      .slice(0, 2)
      .map((c) => JSON.stringify(c))
      .join(
        ', ',
      )} could be thousands (${ambiguous[0]!.replace(/,/g, '')}) or a decimal comma (${ambiguous[0]!.replace(/,/g, '.')}); read as thousands: set "decimalSeparator": "," if they are decimals`,
  };
}
