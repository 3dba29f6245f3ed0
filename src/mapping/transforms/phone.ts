import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { bad, ok, ProblemCode, type Converted } from '../problem.js';

/**
 * A phone number as E.164 (+14155550123). Numbers without a country code are
 * read in `defaultCountry`; anything libphonenumber does not find valid is a problem
 * rather than a guess, since a wrong number in a phone system is worse than none.
 */
export function toE164(value: string, defaultCountry: CountryCode | undefined): Converted<string> {
  const cleaned = value.replace(/^tel:/i, '').trim();
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
  if (parsed === undefined || !parsed.isValid()) {
    const hint = defaultCountry === undefined && !cleaned.startsWith('+') ? ' (no +country code, and no phone.defaultCountry set)' : '';
    return bad(ProblemCode.phoneInvalid, `expected a valid phone number${defaultCountry ? ` for ${defaultCountry}` : ''}, or one with a +country code${hint}`);
  }
  return ok(parsed.number);
}
