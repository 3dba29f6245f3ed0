import { parsePhoneNumber, type CountryCode } from './phone-metadata.js';
import { bad, ok, ProblemCode, type Converted } from '../problem.js';

/**
 * A phone number as E.164 (+14155550123). Numbers without a country code are
 * read in `defaultCountry`; anything libphonenumber does not find valid is a problem
 * rather than a guess, since a wrong number in a phone system is worse than none.
 */
export function toE164(value: string, defaultCountry: CountryCode | undefined): Converted<string> {
  const cleaned = value.replace(/^tel:/i, '').trim();
  const parsed = parsePhoneNumber(cleaned, defaultCountry);
  if (parsed === undefined) {
    const hint = defaultCountry === undefined && !cleaned.startsWith('+') ? ' (it has no +country code, and no phone.defaultCountry is set)' : '';
    return bad(ProblemCode.phoneInvalid, `expected a phone number${defaultCountry ? ` in ${defaultCountry} format` : ''} or one with a +country code${hint}`);
  }
  if (!parsed.isValid()) {
    const where = parsed.country ?? `+${parsed.countryCallingCode}`;
    return bad(ProblemCode.phoneInvalid, `expected a valid phone number: ${parsed.number} is not a number in use in ${where}`);
  }
  return ok(parsed.number);
}
