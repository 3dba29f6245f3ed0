import { parsePhoneNumber, type CountryCode } from '../../phone/phone-metadata.js';
import { bad, ProblemCode, type Converted } from '../problem.js';

/**
 * A phone number as E.164 (+14155550123). Numbers without a country code are
 * read in `country` (the record's, or the config's default); anything
 * libphonenumber does not find valid is a problem rather than a guess, since a
 * wrong number in a phone system is worse than none. An extension cannot be
 * stored (the API takes E.164): the number is kept, and the extension comes
 * back as a note so it is reported, never lost in silence.
 */
export function toE164(value: string, country: CountryCode | undefined): Converted<string> {
  const cleaned = value.replace(/^tel:/i, '').trim();
  const parsed = parsePhoneNumber(cleaned, country);
  if (parsed === undefined) {
    const hint =
      country === undefined && !cleaned.startsWith('+')
        ? ' (it has no +country code, and no phone.defaultCountry or country column is set)'
        : '';
    const letters = /[a-z]{3,}/i.test(cleaned.replace(/\b(ext|extension|x|durchwahl|poste)\b/gi, ''))
      ? ' (letters in a number, like 1-800-FLOWERS, are not dialled digits)'
      : '';
    return bad(
      ProblemCode.phoneInvalid,
      `expected a phone number${country ? ` in ${country} format` : ''} or one with a +country code${hint}${letters}`,
    );
  }
  if (!parsed.isValid()) {
    const where = parsed.country ?? `+${parsed.countryCallingCode}`;
    return bad(
      ProblemCode.phoneInvalid,
      `expected a valid phone number: ${parsed.number} is not a number in use in ${where}${country && !cleaned.startsWith('+') ? ` (read as a ${country} number; a number of another country needs its +country code, or its country in phone.countryColumn)` : ''}`,
    );
  }
  if (parsed.ext) {
    return {
      kind: 'ok',
      value: parsed.number,
      note: {
        code: ProblemCode.phoneExtensionDropped,
        message: `the extension ${JSON.stringify(parsed.ext)} cannot be stored (the API takes E.164 numbers): ${parsed.number} is imported without it`,
      },
    };
  }
  return { kind: 'ok', value: parsed.number };
}
