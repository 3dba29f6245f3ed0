import { parsePhoneNumber, type CountryCode } from '../phone/phone-metadata.js';

/**
 * National numbering formats that say which country wrote them. Validity alone
 * says little: Germany's and Austria's open plans accept nearly any digit string,
 * so "(415) 555-0199" is a "valid" German number. A format is evidence only when
 * it is how people in that country write numbers, and the number is valid there.
 */
export const NATIONAL_FORMATS: readonly {
  readonly country: CountryCode;
  readonly pattern: RegExp;
  readonly what: string;
}[] = [
  // (415) 555-0199, 415-555-0199, 415.555.0101, 1-415-555-0199, with an extension or not.
  {
    country: 'US',
    pattern: /^(1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(\s*(x|ext\.?|extension|#)\s*\d+)?$/i,
    what: 'North American format, (415) 555-0199',
  },
  // 01 42 68 53 00, 06.12.34.56.78
  { country: 'FR', pattern: /^0[1-9]([\s.]\d{2}){4}$/, what: 'French format, 01 42 68 53 00' },
  // 020 7946 0958, 07911 123456, 0161 496 0000
  {
    country: 'GB',
    pattern: /^0(\d{2} \d{4} \d{4}|\d{4} \d{6}|\d{3} \d{3} \d{4})$/,
    what: 'British format, 020 7946 0958',
  },
  // 0151 12345678 (German mobiles), 089/1234567, (030) 1234567
  {
    country: 'DE',
    pattern: /^(01[5-7]\d[\s/-]?\d{6,8}|0\d{2,4}\/\s?\d{3,8}(-\d+)?|\(0\d{2,4}\)\s?\d{3,8})$/,
    what: 'German format, 089/1234567 or 0151 12345678',
  },
  // 912 345 678, 612 34 56 78
  { country: 'ES', pattern: /^[6-9]\d{2}(\s\d{3}\s\d{3}|\s\d{2}\s\d{2}\s\d{2})$/, what: 'Spanish format, 912 345 678' },
];

/** The national format a number written without +country code is in, when it fits one (and is valid there). */
export function nationalFormatOf(value: string): (typeof NATIONAL_FORMATS)[number] | undefined {
  const v = value.trim();
  return NATIONAL_FORMATS.find((f) => f.pattern.test(v) && parsePhoneNumber(v, f.country)?.isValid());
}
