import { isSupportedCountry, type CountryCode } from '../phone/phone-metadata.js';

/**
 * Country cells as exports write them (Outlook's "Business Country/Region",
 * Salesforce's "Mailing Country", HubSpot's "Country/Region", a German or
 * French Excel sheet's "Land", "Pays"): ISO codes, common three-letter codes,
 * and names in English, German, French and Spanish. Matching ignores case,
 * accents, dots and spaces ("U.S.A." = "usa", "Österreich" = "osterreich").
 */
const NAMES: Record<string, readonly string[]> = {
  US: [
    'usa',
    'us',
    'unitedstates',
    'unitedstatesofamerica',
    'america',
    'vereinigtestaaten',
    'etatsunis',
    'estadosunidos',
    'eeuu',
  ],
  CA: ['can', 'canada', 'kanada'],
  GB: [
    'gbr',
    'uk',
    'unitedkingdom',
    'greatbritain',
    'england',
    'scotland',
    'wales',
    'northernireland',
    'grossbritannien',
    'vereinigteskonigreich',
    'royaumeuni',
    'angleterre',
    'reinounido',
    'inglaterra',
  ],
  IE: ['irl', 'ireland', 'irland', 'irlande', 'irlanda'],
  DE: ['deu', 'ger', 'germany', 'deutschland', 'allemagne', 'alemania'],
  AT: ['aut', 'austria', 'osterreich', 'autriche'],
  CH: ['che', 'switzerland', 'schweiz', 'suisse', 'suiza', 'svizzera'],
  FR: ['fra', 'france', 'frankreich', 'francia'],
  BE: ['bel', 'belgium', 'belgien', 'belgique', 'belgica'],
  NL: ['nld', 'netherlands', 'thenetherlands', 'holland', 'niederlande', 'paysbas', 'paisesbajos'],
  LU: ['lux', 'luxembourg', 'luxemburg', 'luxemburgo'],
  ES: ['esp', 'spain', 'spanien', 'espagne', 'espana'],
  PT: ['prt', 'portugal'],
  IT: ['ita', 'italy', 'italien', 'italie', 'italia'],
  DK: ['dnk', 'denmark', 'danemark', 'dinamarca'],
  SE: ['swe', 'sweden', 'schweden', 'suede', 'suecia'],
  NO: ['nor', 'norway', 'norwegen', 'norvege', 'noruega'],
  FI: ['fin', 'finland', 'finnland', 'finlande', 'finlandia'],
  PL: ['pol', 'poland', 'polen', 'pologne', 'polonia'],
  CZ: ['cze', 'czechia', 'czechrepublic', 'tschechien', 'tchequie', 'chequia'],
  AU: ['aus', 'australia', 'australien', 'australie'],
  NZ: ['nzl', 'newzealand', 'neuseeland', 'nouvellezelande', 'nuevazelanda'],
  MX: ['mex', 'mexico', 'mexiko', 'mexique'],
  BR: ['bra', 'brazil', 'brasil', 'brasilien', 'bresil'],
  AR: ['arg', 'argentina', 'argentinien', 'argentine'],
  IN: ['ind', 'india', 'indien', 'inde'],
  SG: ['sgp', 'singapore', 'singapur', 'singapour'],
  ZA: ['zaf', 'southafrica', 'sudafrika', 'afriquedusud', 'sudafrica'],
  JP: ['jpn', 'japan', 'japon'],
  IL: ['isr', 'israel'],
  AE: ['are', 'uae', 'unitedarabemirates'],
};

export const normalizeCountryText = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

const BY_NAME = new Map<string, CountryCode>();
for (const [code, names] of Object.entries(NAMES)) for (const n of names) BY_NAME.set(n, code as CountryCode);

/** The country a cell names, or undefined for an empty or unknown one. Any ISO 3166 two-letter code libphonenumber knows is accepted. */
export function countryFromText(text: string): CountryCode | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const upper = trimmed.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper) && upper !== 'UK' && isSupportedCountry(upper)) return upper as CountryCode;
  return BY_NAME.get(normalizeCountryText(trimmed));
}
