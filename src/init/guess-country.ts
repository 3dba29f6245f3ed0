import { parsePhoneNumber, type CountryCode } from '../mapping/transforms/phone-metadata.js';

const CANDIDATES: CountryCode[] = ['US', 'GB', 'CA', 'AU', 'DE', 'FR', 'ES', 'IT', 'NL', 'IE', 'NZ', 'IN', 'MX', 'BR', 'SE', 'CH', 'BE', 'AT', 'DK', 'NO', 'PL', 'PT', 'ZA', 'SG'];

export interface CountryGuess {
  readonly country: CountryCode | undefined;
  /** Numbers without +country code that are valid in that country, out of all such numbers. */
  readonly valid: number;
  readonly national: number;
  /** Numbers written with +country code, by country: a hint when no national number decides. */
  readonly international: Readonly<Record<string, number>>;
  readonly why: string;
}

/**
 * phone.defaultCountry from a sample of phone cells: the country in which most
 * numbers written without +country code are valid; ties go to the country the
 * international numbers point at most.
 */
export function guessCountry(numbers: readonly string[]): CountryGuess {
  const international: Record<string, number> = {};
  const national: string[] = [];
  for (const n of numbers) {
    const v = n.trim();
    if (v === '') continue;
    if (v.startsWith('+') || v.startsWith('00')) {
      const c = parsePhoneNumber(v.replace(/^00/, '+'), undefined)?.country;
      if (c) international[c] = (international[c] ?? 0) + 1;
    } else {
      national.push(v);
    }
  }
  const topInternational = Object.entries(international).sort((a, b) => b[1] - a[1])[0]?.[0] as CountryCode | undefined;
  if (national.length === 0) {
    return {
      country: topInternational,
      valid: 0,
      national: 0,
      international,
      why: topInternational ? `every sampled number has a +country code; most are ${topInternational}` : 'no phone numbers in the sample',
    };
  }
  let best: CountryCode | undefined;
  let bestValid = -1;
  for (const c of CANDIDATES) {
    const valid = national.filter((n) => parsePhoneNumber(n, c)?.isValid()).length;
    if (valid > bestValid || (valid === bestValid && c === topInternational)) {
      best = c;
      bestValid = valid;
    }
  }
  const share = bestValid / national.length;
  const sure = share >= 0.9 ? 'sure' : share >= 0.6 ? 'fairly sure' : 'not sure';
  return {
    country: bestValid > 0 ? best : topInternational,
    valid: bestValid,
    national: national.length,
    international,
    why: bestValid > 0 ? `${bestValid} of ${national.length} sampled numbers without +country code are valid ${best} numbers (${sure})` : 'no sampled number without +country code is valid in any common country',
  };
}
