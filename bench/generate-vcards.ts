import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { benchRecord } from './generate-contacts.js';

/** vCard 3.0 text escaping of a value. */
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');

/**
 * The bench's records as vCard 3.0 cards (UID the record id, as a phone's
 * address book writes them), for bench:dry-run; `photoBytes`: one more card
 * first, with a photo of that many bytes on one unfolded line.
 */
export async function generateVcards(path: string, records: number, photoBytes = 0): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (photoBytes > 0) {
    await write(
      'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Photo;Pat;;;\r\nFN:Pat Photo\r\nUID:photo-1\r\nTEL;TYPE=CELL:+14155550100\r\nPHOTO;ENCODING=b;TYPE=JPEG:',
    );
    const chunk = 'A'.repeat(1024 * 1024);
    for (let left = photoBytes; left > 0; left -= chunk.length)
      await write(left >= chunk.length ? chunk : chunk.slice(0, left));
    await write('\r\nEND:VCARD\r\n');
  }
  for (let i = 0; i < records; i++) {
    const [id, first, last, company, title, email, , mobile, phone, , , , notes] = benchRecord(i);
    const lines = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      `N:${esc(last!)};${esc(first!)};;;`,
      `FN:${esc(`${first} ${last}`)}`,
      `ORG:${esc(company!)}`,
      `TITLE:${esc(title!)}`,
      `EMAIL;TYPE=WORK:${email}`,
      `TEL;TYPE=CELL:${mobile}`,
      ...(phone ? [`TEL;TYPE=WORK:${phone}`] : []),
      `NOTE:${esc(notes!)}`,
      `UID:${id}`,
      'END:VCARD',
    ];
    await write(`${lines.join('\r\n')}\r\n`);
  }
  out.end();
  await once(out, 'finish');
}

/** bench:dry-run's config for the cards: Google's column names, as init writes them for a vCard file. */
export const BENCH_VCARD_CONFIG = {
  externalId: 'UID',
  source: 'bench-import',
  defaultFields: {
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Organization Name',
    role: 'Organization Title',
    emails: [{ name: 'work', nameColumn: 'E-mail 1 - Label', column: 'E-mail 1 - Value' }],
    phoneNumbers: [
      { name: 'mobile', nameColumn: 'Phone 1 - Label', column: 'Phone 1 - Value' },
      { name: 'work', nameColumn: 'Phone 2 - Label', column: 'Phone 2 - Value' },
    ],
  },
  phone: { defaultCountry: 'US', countryColumn: 'Country' },
};
