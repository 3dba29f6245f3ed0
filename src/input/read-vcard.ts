import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { CsvItem } from '../csv/csv-item.js';
import type { OpenedCsv } from '../csv/read-csv.js';
import { openedTable } from './opened-table.js';
import { physicalLines } from './vcard-lines.js';
import { MAX_RECORD_BYTES } from '../csv/parse-records.js';
import {
  badQuotedPrintable,
  buildCard,
  HEAVY,
  isQuotedPrintable,
  parseProperty,
  vcardFields,
  vcardHeader,
  type VcardProperty,
} from './vcard-card.js';

/** One card as it stands in the file: its lines and bytes, its properties, or why it cannot be read. */
export type CardText =
  | {
      readonly kind: 'card';
      readonly line: number;
      readonly endLine: number;
      readonly start: number;
      readonly end: number;
      readonly properties: readonly VcardProperty[];
    }
  | {
      readonly kind: 'malformed';
      readonly line: number;
      readonly endLine: number;
      readonly start: number;
      readonly end: number;
      readonly text: string;
      readonly message: string;
    };

/** The text of an unreadable card kept for the report. */
const RAW_KEPT = 4096;

/**
 * Streams a vCard file (2.1, 3.0, 4.0; Apple Contacts, iCloud, Google,
 * Outlook, Android) as the records of a table (vcard-card.ts names the
 * columns). It is read twice: once to count the most addresses and numbers a
 * card has (the table's width), then card by card as the job asks. Bytes are
 * read as latin1, one character a byte, so each value is decoded in its own
 * CHARSET and a card's byte range is exact.
 */
export async function openVcard(file: string): Promise<OpenedCsv> {
  const opened = await stat(file);
  let emails = 0;
  let phones = 0;
  let cards = 0;
  for await (const card of readCards(file)) {
    if (card.kind !== 'card') continue;
    cards++;
    const built = buildCard(card.properties);
    emails = Math.max(emails, built.emails.length);
    phones = Math.max(phones, built.phones.length);
  }
  if (cards === 0)
    throw new UsageError('CSV_EMPTY', `${file} holds no card: expected vCards, each from BEGIN:VCARD to END:VCARD`, {
      hint: 'export the contacts again as vCard (.vcf), or as CSV',
    });
  const header = vcardHeader(emails, phones);
  const items = (async function* () {
    for await (const card of readCards(file)) yield toItem(card, emails, phones);
  })();
  return openedTable({ file, format: 'vcard', opened, header, items, estimatedRecords: () => cards });
}

function toItem(card: CardText, emails: number, phones: number): CsvItem {
  if (card.kind === 'malformed')
    return {
      kind: 'malformed',
      line: card.line,
      endLine: card.endLine,
      raw: card.text,
      fields: [],
      message: card.message,
    };
  return { kind: 'record', line: card.line, fields: vcardFields(buildCard(card.properties), emails, phones) };
}

/**
 * The cards of a file in order. Lines are unfolded (a line that starts with a
 * space or tab goes on the one before; a quoted-printable value that ends in
 * `=` goes on the next line); a photo's or a key's continuation lines are
 * stepped over without being kept.
 */
export async function* readCards(file: string): AsyncGenerator<CardText> {
  let lineNo = 0;
  let offset = 0;
  let card:
    { line: number; start: number; properties: VcardProperty[]; bad: string | undefined; text: string } | undefined;
  /** The logical line being built, and whether it is a heavy property (not kept). */
  let logical: string | undefined;
  let logicalAt = 0;
  let heavy = false;
  let outside: { line: number; start: number; text: string } | undefined;

  const flush = () => {
    if (card === undefined || logical === undefined) return;
    const p = parseProperty(heavy ? `${logical.split(':', 1)[0]}:` : logical);
    if (p === undefined)
      card.bad ??= `line ${logicalAt}: ${JSON.stringify(logical.slice(0, 80))} is not a property (expected NAME:value)`;
    else if (!HEAVY.has(p.name)) {
      // Read as typed, "M=ZZller" would become a name nobody wrote: the card fails, naming the property.
      const escape = badQuotedPrintable(p);
      if (escape !== undefined)
        card.bad ??= `line ${logicalAt}: ${p.name}: ${JSON.stringify(escape)} is not a quoted-printable escape (= and two hex digits, e.g. =C3=BC); fix the value or save the card as vCard 3.0`;
      card.properties.push(p);
    }
    logical = undefined;
  };

  /** Inside an embedded card (vCard 2.1's AGENT): its depth; its lines belong to no one and are stepped over. */
  let embedded = 0;

  for await (const { text: physical, bytes, tooLong } of physicalLines(file, MAX_RECORD_BYTES)) {
    lineNo++;
    const start = offset;
    offset += bytes;
    const line = physical.endsWith('\r') ? physical.slice(0, -1) : physical;
    if (card !== undefined && embedded > 0) {
      if (/^\s*BEGIN:VCARD\s*$/i.test(line)) embedded++;
      else if (/^\s*END:VCARD\s*$/i.test(line)) embedded--;
      continue;
    }
    if (card !== undefined && /^\s*BEGIN:VCARD\s*$/i.test(line)) {
      // An AGENT property with no value of its own: the card that follows is its value (2.1), skipped like a photo.
      if (logical !== undefined && /^(?:[^:;]*\.)?AGENT(?:;[^:]*)?:\s*$/i.test(logical)) {
        logical = undefined;
        embedded = 1;
        continue;
      }
      // A card that never ended: it fails as it stands (byte for byte in failures.vcf), and nothing of it reaches the next.
      flush();
      yield {
        kind: 'malformed',
        line: card.line,
        endLine: lineNo - 1,
        start: card.start,
        end: start,
        text: cut(card.text),
        message: `the card from line ${card.line} has no END:VCARD before the next card begins on line ${lineNo}`,
      };
      card = { line: lineNo, start, properties: [], bad: undefined, text: '' };
      continue;
    }
    if (tooLong && card !== undefined) {
      flush();
      const name = line.split(/[;:]/, 1)[0]!.replace(/^.*\./, '').toUpperCase();
      // A photo or key on one line of megabytes: stepped over. Any other property that long is not a contact's.
      if (!HEAVY.has(name))
        card.bad ??= `line ${lineNo} (${name}) is longer than ${MAX_RECORD_BYTES / (1024 * 1024)} MiB`;
      // Stepped over with any lines folded onto it.
      logical = `${name}:`;
      logicalAt = lineNo;
      heavy = true;
      if (card.text.length < RAW_KEPT) card.text += `${line}… [a line of ${bytes} bytes, cut]\n`;
      continue;
    }
    if (card === undefined) {
      if (/^\s*BEGIN:VCARD\s*$/i.test(line)) {
        if (outside !== undefined) {
          yield {
            kind: 'malformed',
            line: outside.line,
            endLine: lineNo - 1,
            start: outside.start,
            end: start,
            text: cut(outside.text),
            message: 'lines outside any card (a card runs from BEGIN:VCARD to END:VCARD)',
          };
          outside = undefined;
        }
        card = { line: lineNo, start, properties: [], bad: undefined, text: '' };
      } else if (line.trim() !== '') {
        outside ??= { line: lineNo, start, text: '' };
        if (outside.text.length < RAW_KEPT) outside.text += `${line}\n`;
      }
      continue;
    }
    if (card.text.length < RAW_KEPT) card.text += `${line}\n`;
    if ((line.startsWith(' ') || line.startsWith('\t')) && logical !== undefined) {
      if (!heavy) logical += line.slice(1);
      continue;
    }
    if (logical !== undefined && !heavy && logical.endsWith('=') && isQuotedPrintable(logical)) {
      logical = logical.slice(0, -1) + line;
      continue;
    }
    flush();
    if (/^\s*END:VCARD\s*$/i.test(line)) {
      const done = card;
      card = undefined;
      if (done.bad !== undefined)
        yield {
          kind: 'malformed',
          line: done.line,
          endLine: lineNo,
          start: done.start,
          end: offset,
          text: cut(done.text),
          message: `the card cannot be read: ${done.bad}`,
        };
      else
        yield {
          kind: 'card',
          line: done.line,
          endLine: lineNo,
          start: done.start,
          end: offset,
          properties: done.properties,
        };
      continue;
    }
    if (line.trim() === '') continue;
    logical = line;
    logicalAt = lineNo;
    const name = line.split(/[;:]/, 1)[0]!.replace(/^.*\./, '').toUpperCase();
    heavy = HEAVY.has(name);
  }
  flush();
  if (card !== undefined)
    yield {
      kind: 'malformed',
      line: card.line,
      endLine: lineNo,
      start: card.start,
      end: offset,
      text: cut(card.text),
      message: `the card from line ${card.line} has no END:VCARD: the file ends inside it`,
    };
  if (outside !== undefined)
    yield {
      kind: 'malformed',
      line: outside.line,
      endLine: lineNo,
      start: outside.start,
      end: offset,
      text: cut(outside.text),
      message: 'lines outside any card (a card runs from BEGIN:VCARD to END:VCARD)',
    };
}

/** A card's text for a report, as UTF-8 (a 2.1 card's own CHARSET is the reader's to decode). */
const cut = (latin1: string) => {
  const text = Buffer.from(latin1, 'latin1').toString('utf8');
  return text.length <= RAW_KEPT ? text.replace(/\n$/, '') : `${text.slice(0, RAW_KEPT)}… [cut]`;
};
