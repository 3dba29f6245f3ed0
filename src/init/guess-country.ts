import { countryFromText } from '../mapping/country-names.js';
import { mainCountryOf, parsePhoneNumber, type CountryCode } from '../phone/phone-metadata.js';
import { NATIONAL_FORMATS, nationalFormatOf } from '../mapping/national-formats.js';

/** Country-code top-level domains: a weak hint (a .com says nothing). */
const DOMAIN_COUNTRIES: Record<string, CountryCode> = {
  de: 'DE',
  at: 'AT',
  ch: 'CH',
  fr: 'FR',
  be: 'BE',
  es: 'ES',
  it: 'IT',
  nl: 'NL',
  uk: 'GB',
  ie: 'IE',
  ca: 'CA',
  au: 'AU',
  nz: 'NZ',
  mx: 'MX',
  br: 'BR',
  se: 'SE',
  dk: 'DK',
  no: 'NO',
  pl: 'PL',
  pt: 'PT',
  us: 'US',
};

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

/** The evidence counted: per country its score, its numbers written nationally, and the reasons behind it. */
class Votes {
  readonly scores = new Map<CountryCode, number>();
  /** Numbers written nationally, by the country whose format they fit: the numbers a default country is for. */
  readonly national = new Map<CountryCode, number>();
  private readonly reasons = new Map<CountryCode, Map<string, number>>();

  vote(c: CountryCode, weight: number, reason: string): void {
    this.scores.set(c, (this.scores.get(c) ?? 0) + weight);
    const r = this.reasons.get(c) ?? new Map<string, number>();
    r.set(reason, (r.get(reason) ?? 0) + 1);
    this.reasons.set(c, r);
  }

  /** "1 number written with +country code, 3 rows of the country column": a reason's `{s}` is its plural ending. */
  describe(c: CountryCode): string {
    return [...(this.reasons.get(c) ?? [])]
      .map(([r, n]) => `${n} ${r.replace(/\{(\w+)\}/, n === 1 ? '' : '$1')}`)
      .join(', ');
  }
}

function countVotes(e: CountryEvidence): Votes {
  const votes = new Votes();
  for (const raw of e.phones) {
    const v = raw.trim();
    if (v === '') continue;
    if (v.startsWith('+') || v.startsWith('00')) {
      const code = parsePhoneNumber(v.replace(/^00/, '+'), undefined)?.countryCallingCode;
      const c = code === undefined ? undefined : mainCountryOf(code);
      if (c) votes.vote(c, 1, 'number{s} written with +country code');
      continue;
    }
    const format = nationalFormatOf(v);
    if (format) {
      votes.vote(format.country, 1, `number{s} in ${format.what}`);
      votes.national.set(format.country, (votes.national.get(format.country) ?? 0) + 1);
    }
  }
  for (const cell of e.countryCells ?? []) {
    const c = countryFromText(cell);
    if (c) votes.vote(c, 1, 'row{s} of the country column');
  }
  for (const email of e.emails ?? []) {
    const tld = /\.([a-z]{2})$/i.exec(email.trim())?.[1]?.toLowerCase();
    const c = tld === undefined ? undefined : DOMAIN_COUNTRIES[tld];
    if (c) votes.vote(c, 0.5, `e-mail address{es} under .${tld}`);
  }
  return votes;
}

type Ranked = (readonly [CountryCode, number])[];

const ranked = (scores: ReadonlyMap<CountryCode, number>): Ranked => [...scores].sort((a, b) => b[1] - a[1]);

/** The leader, when it has a clear margin: two thirds of the total, twice the runner-up, and at least 3 (or all). */
function clearLeader(list: Ranked): readonly [CountryCode, number] | undefined {
  const total = list.reduce((n, [, s]) => n + s, 0);
  const [top, second] = list;
  if (top === undefined) return undefined;
  const clear = top[1] >= (2 / 3) * total && top[1] >= 2 * (second?.[1] ?? 0) && top[1] >= Math.min(3, total);
  return clear ? top : undefined;
}

/**
 * phone.defaultCountry from evidence: national formats first (the numbers a
 * default is for: two thirds of them in one country's format, and twice the
 * runner-up), else all of it: numbers written with +country code, a country
 * column, national formats, e-mail domains, with the same margin. Without
 * one, no default is written, and why is said.
 */
export function guessCountry(e: CountryEvidence): CountryGuess {
  const votes = countVotes(e);
  const scores = ranked(votes.scores);
  const [top, second] = scores;
  if (top === undefined) {
    return {
      country: undefined,
      sure: false,
      scores,
      why: 'nothing in the sample says which country the numbers are from (no +country code, no national format, no country column)',
    };
  }
  // A number written with +country code keeps its country whatever the default: the default is for the
  // numbers written nationally, so a clear majority of those decides, however many foreign + numbers there are.
  const national = ranked(votes.national);
  const nationalLeader = clearLeader(national);
  if (nationalLeader !== undefined) {
    const [country, count] = nationalLeader;
    const nationalTotal = national.reduce((n, [, s]) => n + s, 0);
    const others = scores.filter(([c]) => c !== country).map(([c]) => `${c}: ${votes.describe(c)}`);
    return {
      country,
      sure: true,
      scores,
      why: `${count} of the ${nationalTotal} numbers written without +country code are in ${NATIONAL_FORMATS.find((f) => f.country === country)!.what}${others.length > 0 ? `; the others (${others.join('; ')}) keep their own country or are reported` : ''}`,
    };
  }
  if (clearLeader(scores) === undefined) {
    const shown = scores
      .slice(0, 3)
      .map(([c]) => `${c}: ${votes.describe(c)}`)
      .join('; ');
    return {
      country: undefined,
      sure: false,
      scores,
      why: `no country has a clear majority (${shown}), so none is assumed`,
    };
  }
  return {
    country: top[0],
    sure: true,
    scores,
    why: `${votes.describe(top[0])}${second ? ` (against ${second[1]} for ${second[0]})` : ''}`,
  };
}
