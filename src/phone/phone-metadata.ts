// libphonenumber-js's core functions with its "min" metadata loaded as a JS
// module (the default entry imports a .json file, which jest's ESM loader warns about).
import metadata from 'libphonenumber-js/metadata.min';
import {
  getCountryCallingCode,
  isSupportedCountry as isSupported,
  parsePhoneNumberFromString as parse,
  type CountryCode as LibraryCountryCode,
} from 'libphonenumber-js/core';

/** An ISO country code as libphonenumber-js knows it. */
export type CountryCode = LibraryCountryCode;
export const isSupportedCountry = (code: string): boolean => isSupported(code as CountryCode, metadata);
export const parsePhoneNumber = (text: string, defaultCountry: CountryCode | undefined) =>
  // extract: false: the cell is the number, not text to search for one (and a third faster).
  parse(text, { defaultCountry, extract: false }, metadata);

/** The main country of a calling code (+44 → GB, not Guernsey; +1 → US): the first the metadata lists. */
export const mainCountryOf = (callingCode: string): CountryCode | undefined =>
  (metadata as unknown as { country_calling_codes: Record<string, CountryCode[]> }).country_calling_codes[
    callingCode
  ]?.[0];

/** The calling code of a country: US → "1", DE → "49". */
export const callingCodeOf = (country: CountryCode): string => getCountryCallingCode(country, metadata);
