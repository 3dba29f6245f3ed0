import { countryFromText } from '../mapping/country-names.js';
import { mainCountryOf, parsePhoneNumber, type CountryCode } from '../mapping/transforms/phone-metadata.js';

/**
 * National numbering formats that say which country wrote them. Validity alone
 * says little: Germany's and Austria's open plans accept nearly any digit string,
 * so "(415) 555-0199" is a "valid" German number. A format is evidence only when
 * it is how people in that country write numbers, and the number is valid there.
 */
const NATIONAL_FORMATS: readonly { readonly country: CountryCode; readonly pattern: RegExp; readonly what: string }[] = [
  // (415) 555-0199, 415-555-0199, 415.555.0101, 1-415-555-0199, with an extension or not.
  { country: 'US', pattern: /^(1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(\s*(x|ext\.?|extension|#)\s*\d+)?$/i, what: 'North American format, (415) 555-0199' },
  // 01 42 68 53 00, 06.12.34.56.78
  { country: 'FR', pattern: /^0[1-9]([\s.]\d{2}){4}$/, what: 'French format, 01 42 68 53 00' },
  // 020 7946 0958, 07911 123456, 0161 496 0000
  { country: 'GB', pattern: /^0(\d{2} \d{4} \d{4}|\d{4} \d{6}|\d{3} \d{3} \d{4})$/, what: 'British format, 020 7946 0958' },
  // 0151 12345678 (German mobiles), 089/1234567, (030) 1234567
  { country: 'DE', pattern: /^(01[5-7]\d[\s/-]?\d{6,8}|0\d{2,4}\/\s?\d{3,8}(-\d+)?|\(0\d{2,4}\)\s?\d{3,8})$/, what: 'German format, 089/1234567 or 0151 12345678' },
  // 912 345 678, 612 34 56 78
  { country: 'ES', pattern: /^[6-9]\d{2}(\s\d{3}\s\d{3}|\s\d{2}\s\d{2}\s\d{2})$/, what: 'Spanish format, 912 345 678' },
];

/** Country-code top-level domains: a weak hint (a .com says nothing). */
const DOMAIN_COUNTRIES: Record<string, CountryCode> = { de: 'DE', at: 'AT', ch: 'CH', fr: 'FR', be: 'BE', es: 'ES', it: 'IT', nl: 'NL', uk: 'GB', ie: 'IE', ca: 'CA', au: 'AU', nz: 'NZ', mx: 'MX', br: 'BR', se: 'SE', dk: 'DK', no: 'NO', pl: 'PL', pt: 'PT', us: 'US' };

export interface CountryEvidence {
  readonly phones: readonly string[];
  /** Cells of a country column (Country/Region, Mailing Country, Land, Pays), if the export has one. */
  readonly countryCells?: readonly string[];
  readonly emails?: readonly string[];
}

export interface CountryGuess {
  /** Set only when the evidence points at it with a clear margin. */
  readonly country: CountryCode | undefined;
  readonly sure: boolean;
  /** Evidence per country, strongest first. */
  readonly scores: readonly (readonly [CountryCode, number])[];
  readonly why: string;
}

/**
 * phone.defaultCountry from evidence: numbers written with +country code, a
 * country column, national formats, e-mail domains. "Sure" only with a clear
 * margin (two thirds of the evidence and twice the runner-up); without one,
 * no default is written, and why is said.
 */
export function guessCountry(e: CountryEvidence): CountryGuess {
  const scores = new Map<CountryCode, number>();
  const reasons = new Map<CountryCode, Map<string, number>>();
  const vote = (c: CountryCode, weight: number, reason: string) => {
    scores.set(c, (scores.get(c) ?? 0) + weight);
    const r = reasons.get(c) ?? new Map<string, number>();
    r.set(reason, (r.get(reason) ?? 0) + 1);
    reasons.set(c, r);
  };
  for (const raw of e.phones) {
    const v = raw.trim();
    if (v === '') continue;
    if (v.startsWith('+') || v.startsWith('00')) {
      const code = parsePhoneNumber(v.replace(/^00/, '+'), undefined)?.countryCallingCode;
      const c = code === undefined ? undefined : mainCountryOf(code);
      if (c) vote(c, 1, 'numbers written with +country code');
      continue;
    }
    const format = NATIONAL_FORMATS.find((f) => f.pattern.test(v) && parsePhoneNumber(v, f.country)?.isValid());
    if (format) vote(format.country, 1, `numbers in ${format.what}`);
  }
  for (const cell of e.countryCells ?? []) {
    const c = countryFromText(cell);
    if (c) vote(c, 1, 'rows of the country column');
  }
  for (const email of e.emails ?? []) {
    const tld = /\.([a-z]{2})$/i.exec(email.trim())?.[1]?.toLowerCase();
    const c = tld === undefined ? undefined : DOMAIN_COUNTRIES[tld];
    if (c) vote(c, 0.5, `e-mail addresses under .${tld}`);
  }

  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const total = ranked.reduce((n, [, s]) => n + s, 0);
  const [top, second] = ranked;
  const describe = (c: CountryCode) => [...(reasons.get(c) ?? [])].map(([r, n]) => `${n} ${r}`).join(', ');
  if (top === undefined) {
    return { country: undefined, sure: false, scores: ranked, why: 'nothing in the sample says which country the numbers are from (no +country code, no national format, no country column)' };
  }
  const margin = top[1] >= (2 / 3) * total && top[1] >= 2 * (second?.[1] ?? 0) && top[1] >= Math.min(3, total);
  if (!margin) {
    const shown = ranked.slice(0, 3).map(([c]) => `${c}: ${describe(c)}`).join('; ');
    return { country: undefined, sure: false, scores: ranked, why: `no country has a clear majority (${shown}), so none is assumed` };
  }
  return { country: top[0], sure: true, scores: ranked, why: `${describe(top[0])}${second ? ` (against ${second[1]} for ${second[0]})` : ''}` };
}
