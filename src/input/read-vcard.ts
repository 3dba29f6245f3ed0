import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { TableItem } from './table.js';
import type { InputTable } from './table.js';
import { openedTable } from './opened-table.js';
import { readCards, type CardText } from './read-cards.js';
import { buildCard, vcardFields, vcardHeader, type VcardShape } from './vcard-card.js';

/**
 * Streams a vCard file (2.1, 3.0, 4.0; Apple Contacts, iCloud, Google,
 * Outlook, Android) as the records of a table (vcard-card.ts names the
 * columns). It is read twice: once to count the most addresses and numbers a
 * card has (the table's width), then card by card as the job asks. Bytes are
 * read as latin1, one character a byte, so each value is decoded in its own
 * CHARSET (else `fileCharset`, the config's csv.encoding) and a card's byte
 * range is exact.
 */
export async function openVcard(file: string, fileCharset = 'utf-8'): Promise<InputTable> {
  const opened = await stat(file);
  let shape: VcardShape = { emails: 0, phones: 0, reported: false };
  let cards = 0;
  for await (const card of readCards(file)) {
    if (card.kind !== 'card') continue;
    cards++;
    const built = buildCard(card.properties, fileCharset);
    shape = {
      emails: Math.max(shape.emails, built.emails.length),
      phones: Math.max(shape.phones, built.phones.length),
      reported: shape.reported || built.errorCodes !== '',
    };
  }
  if (cards === 0)
    throw new UsageError('CSV_EMPTY', `${file} holds no card: expected vCards, each from BEGIN:VCARD to END:VCARD`, {
      hint: 'export the contacts again as vCard (.vcf), or as CSV',
    });
  const header = vcardHeader(shape);
  const items = (async function* () {
    for await (const card of readCards(file)) yield toItem(card, shape, fileCharset);
  })();
  return openedTable({ file, format: 'vcard', opened, header, items, estimatedRecords: () => cards });
}

function toItem(card: CardText, shape: VcardShape, fileCharset: string): TableItem {
  if (card.kind === 'malformed')
    return {
      kind: 'malformed',
      line: card.line,
      endLine: card.endLine,
      raw: card.text,
      fields: [],
      message: card.message,
    };
  return { kind: 'record', line: card.line, fields: vcardFields(buildCard(card.properties, fileCharset), shape) };
}
