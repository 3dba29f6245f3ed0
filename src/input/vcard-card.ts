import iconv from 'iconv-lite';
import { countryFromText } from '../mapping/country-names.js';
import { parsePhoneNumber } from '../phone/phone-metadata.js';

/**
 * vCard (2.1, 3.0, 4.0) read into the columns of a table, so that the
 * mapping, init and every report treat a card as they treat a row. The
 * columns are named as Google Contacts names its CSV's, which init knows:
 * `E-mail 1 - Label` / `E-mail 1 - Value` and so on, one pair per address.
 * Pure: the reader (read-vcard.ts) hands it the logical lines of one card.
 */

/** One property line: `[group.]NAME[;PARAM=VALUE…]:value`, its value still as the file's bytes (latin1). */
export interface VcardProperty {
  readonly group: string | undefined;
  readonly name: string;
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** Bare parameters of vCard 2.1 (`TEL;CELL;VOICE:`): types. */
  readonly types: readonly string[];
  readonly value: string;
}

export interface Vcard {
  readonly uid: string;
  readonly fullName: string;
  /** Family; given; additional; prefixes; suffixes. */
  readonly n: readonly string[];
  readonly org: readonly string[];
  readonly title: string;
  readonly note: string;
  readonly url: string;
  readonly birthday: string;
  readonly categories: string;
  readonly emails: readonly { readonly label: string; readonly value: string }[];
  readonly phones: readonly { readonly label: string; readonly value: string }[];
  /**
   * The card's own country, as an ISO code, for its numbers written without
   * +country code: its address's country, else the country all its
   * international numbers share; '' when the card says none (column
   * "Country", for phone.countryColumn).
   */
  readonly country: string;
  /** A card of failures.vcf: the codes it failed with (its X-OPENPHONE-IMPORT-ERROR reasons end in "[CODE]"), apart by spaces. */
  readonly errorCodes: string;
}

/** What this program adds to a failed card in failures.vcf (report/failed-cards.ts): each reason, and where the card first came from. */
export const ERROR_PROPERTY = 'X-OPENPHONE-IMPORT-ERROR';
export const SOURCE_PROPERTY = 'X-OPENPHONE-IMPORT-SOURCE';

/** The table's width: the most addresses and numbers a card has, and whether any card carries its failure's codes. */
export interface VcardShape {
  readonly emails: number;
  readonly phones: number;
  readonly reported: boolean;
}

const SINGLE_COLUMNS = [
  'UID',
  'Full Name',
  'First Name',
  'Middle Name',
  'Last Name',
  'Name Prefix',
  'Name Suffix',
  'Organization Name',
  'Organization Department',
  'Organization Title',
  'Notes',
  'Website 1 - Value',
  'Birthday',
  'Labels',
  'Country',
] as const;

/**
 * The table's header for cards of at most `emails` addresses and `phones`
 * numbers (one pair each at least, so a config always has its columns); for
 * a failures.vcf, `_error_code` too, as a failures.csv has it (csv/header.ts).
 */
export function vcardHeader({ emails, phones, reported }: VcardShape): string[] {
  const pairs = (prefix: string, n: number) =>
    Array.from({ length: Math.max(1, n) }, (_, i) => [
      `${prefix} ${i + 1} - Label`,
      `${prefix} ${i + 1} - Value`,
    ]).flat();
  return [
    ...SINGLE_COLUMNS,
    ...pairs('E-mail', emails),
    ...pairs('Phone', phones),
    ...(reported ? ['_error_code'] : []),
  ];
}

/** A card's cells in the header's order. */
export function vcardFields(card: Vcard, { emails, phones, reported }: VcardShape): string[] {
  const [family = '', given = '', additional = '', prefix = '', suffix = ''] = card.n;
  const cells = [
    card.uid,
    card.fullName,
    given,
    additional,
    family,
    prefix,
    suffix,
    card.org[0] ?? '',
    card.org[1] ?? '',
    card.title,
    card.note,
    card.url,
    card.birthday,
    card.categories,
    card.country,
  ];
  const pairs = (items: Vcard['emails'], n: number) =>
    Array.from({ length: Math.max(1, n) }, (_, i) => [items[i]?.label ?? '', items[i]?.value ?? '']).flat();
  return [
    ...cells,
    ...pairs(card.emails, emails),
    ...pairs(card.phones, phones),
    ...(reported ? [card.errorCodes] : []),
  ];
}

/** Parses one logical line; undefined when it is no property (no colon, or no name before it). */
export function parseProperty(line: string): VcardProperty | undefined {
  // The value starts at the first colon outside a quoted parameter value.
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon <= 0) return undefined;
  const [head = '', ...paramParts] = splitOutsideQuotes(line.slice(0, colon), ';');
  const dot = head.lastIndexOf('.');
  const name = head.slice(dot + 1).toUpperCase();
  if (!/^[A-Z0-9-]+$/.test(name)) return undefined;
  const params = new Map<string, string[]>();
  const types: string[] = [];
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      // vCard 2.1: a bare TYPE value, or a bare encoding (QUOTED-PRINTABLE, BASE64).
      const bare = part.trim().toUpperCase();
      if (bare === 'QUOTED-PRINTABLE' || bare === 'BASE64' || bare === '8BIT') params.set('ENCODING', [bare]);
      else if (bare !== '') types.push(bare.toLowerCase());
      continue;
    }
    const key = part.slice(0, eq).trim().toUpperCase();
    // TYPE="cell,voice" is one quoted list: unquoted first, then split.
    const values = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .split(',')
      .map((v) => v.trim());
    params.set(key, [...(params.get(key) ?? []), ...values]);
    if (key === 'TYPE') types.push(...values.map((v) => v.toLowerCase()));
  }
  return {
    group: dot > 0 ? head.slice(0, dot).toUpperCase() : undefined,
    name,
    params,
    types,
    value: line.slice(colon + 1),
  };
}

/** Whether a property's value continues on the next physical line as a quoted-printable soft break (`=` at the end). */
export function isQuotedPrintable(line: string): boolean {
  const colon = line.indexOf(':');
  return colon > 0 && /(^|;)\s*(ENCODING\s*=\s*)?QUOTED-PRINTABLE\s*(;|$)/i.test(line.slice(0, colon));
}

/**
 * A property's value as text: quoted-printable undone, the bytes read in its
 * CHARSET (2.1), else in `fileCharset`: UTF-8 as 3.0 and 4.0 say, unless the
 * config's csv.encoding names another (Outlook on Windows writes 2.1 cards in
 * its code page without saying so). An unknown charset reads as UTF-8 and its
 * invalid bytes show as U+FFFD, which the mapping reports as ENCODING_INVALID.
 */
export function decodeValue(property: VcardProperty, fileCharset = 'utf-8'): string {
  const qp = property.params.get('ENCODING')?.some((e) => e.toUpperCase() === 'QUOTED-PRINTABLE') ?? false;
  const bytes = qp ? quotedPrintableBytes(property.value) : Buffer.from(property.value, 'latin1');
  const charset = property.params.get('CHARSET')?.[0] ?? fileCharset;
  return iconv.decode(bytes, iconv.encodingExists(charset) ? charset : 'utf-8');
}

/** A quoted-printable value's first `=` that is not followed by two hex digits (with what follows it), or undefined. */
export function badQuotedPrintable(property: VcardProperty): string | undefined {
  if (!(property.params.get('ENCODING')?.some((e) => e.toUpperCase() === 'QUOTED-PRINTABLE') ?? false))
    return undefined;
  const at = property.value.search(/=(?![0-9A-Fa-f]{2})/);
  return at < 0 ? undefined : property.value.slice(at, at + 3);
}

function quotedPrintableBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** A structured value's components (N, ORG), split at unescaped `;` and unescaped. */
export function components(text: string): string[] {
  const out: string[] = [];
  let part = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      part += c + text[i + 1];
      i++;
    } else if (c === ';') {
      out.push(unescapeText(part));
      part = '';
    } else part += c;
  }
  out.push(unescapeText(part));
  return out;
}

/** `\n`, `\,`, `\;` and `\\` as the text they stand for (3.0 and 4.0; harmless in 2.1, which has none but `\;`). */
export function unescapeText(text: string): string {
  return text.includes('\\')
    ? text.replace(/\\([nN,;\\:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
    : text;
}

/** The label of an address or number: Apple's X-ABLabel for its group, else the first telling TYPE. */
function labelOf(property: VcardProperty, groupLabels: ReadonlyMap<string, string>): string {
  const own = property.group === undefined ? undefined : groupLabels.get(property.group);
  if (own !== undefined) return own;
  const types = new Set(property.types);
  const fax = types.has('fax');
  if (types.has('cell') || types.has('mobile')) return 'mobile';
  if (types.has('iphone')) return 'iPhone';
  if (types.has('main')) return 'main';
  if (types.has('pager')) return 'pager';
  if (types.has('work')) return fax ? 'work fax' : 'work';
  if (types.has('home')) return fax ? 'home fax' : 'home';
  if (fax) return 'fax';
  if (types.has('other')) return 'other';
  return '';
}

/** The card's own evidence of its country: the address's, else the one its international numbers share. */
function cardCountry(adr: string | undefined, phones: readonly { readonly value: string }[]): string {
  const fromAddress = adr === undefined ? undefined : countryFromText(components(adr)[6] ?? '');
  if (fromAddress !== undefined) return fromAddress;
  const countries = new Set(
    phones.filter((p) => p.value.trim().startsWith('+')).map((p) => parsePhoneNumber(p.value, undefined)?.country),
  );
  const only = countries.size === 1 ? [...countries][0] : undefined;
  return only ?? '';
}

/** Apple writes its own labels as `_$!<Mobile>!$_`; a label the user typed stands as it is. */
const appleLabel = (text: string) => text.replace(/^_\$!<(.*)>!\$_$/, '$1');

/** One card from its properties (in file order); `fileCharset`: what a value without a CHARSET is read in (decodeValue). */
export function buildCard(properties: readonly VcardProperty[], fileCharset = 'utf-8'): Vcard {
  const decode = (p: VcardProperty) => decodeValue(p, fileCharset);
  const groupLabels = new Map<string, string>();
  for (const p of properties)
    if (p.name === 'X-ABLABEL' && p.group !== undefined) groupLabels.set(p.group, appleLabel(unescapeText(decode(p))));
  const first = (name: string) => properties.find((p) => p.name === name);
  const text = (name: string) => {
    const p = first(name);
    return p === undefined ? '' : unescapeText(decode(p));
  };
  const emails: { label: string; value: string }[] = [];
  const phones: { label: string; value: string }[] = [];
  for (const p of properties) {
    if (p.name === 'EMAIL')
      emails.push({ label: labelOf(p, groupLabels), value: unescapeText(decode(p)).replace(/^mailto:/i, '') });
    if (p.name === 'TEL')
      phones.push({ label: labelOf(p, groupLabels), value: unescapeText(decode(p)).replace(/^tel:/i, '') });
  }
  const n = first('N');
  const org = first('ORG');
  const adr = first('ADR');
  return {
    uid: text('UID'),
    fullName: text('FN'),
    n: n === undefined ? [] : components(decode(n)),
    org: org === undefined ? [] : components(decode(org)),
    title: text('TITLE'),
    note: text('NOTE'),
    url: text('URL'),
    birthday: text('BDAY'),
    country: cardCountry(adr === undefined ? undefined : decode(adr), phones),
    categories: text('CATEGORIES'),
    errorCodes: properties
      .filter((p) => p.name === ERROR_PROPERTY)
      .map((p) => /\[([A-Z0-9_]+)\]\s*$/.exec(unescapeText(decode(p)))?.[1] ?? '')
      .filter((code) => code !== '')
      .join(' '),
    emails: emails.filter((e) => e.value.trim() !== ''),
    phones: phones.filter((e) => e.value.trim() !== ''),
  };
}

/** Properties whose values are large and never imported: their continuation lines are not even kept. */
export const HEAVY = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY', 'AGENT']);

function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let part = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(part);
      part = '';
    } else part += c;
  }
  out.push(part);
  return out;
}
