import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { openVcard } from '../../src/input/read-vcard.js';
import { buildCard, components, decodeValue, parseProperty } from '../../src/input/vcard-card.js';
import type { TableItem } from '../../src/input/table.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

const card = (lines: string[]) => buildCard(lines.map((l) => parseProperty(l)!));

test('properties: groups, 2.1 bare types, quoted parameter values, a colon inside quotes', () => {
  expect(parseProperty('item1.TEL;type=CELL;type=VOICE;type=pref:+1 (415) 555-0132')).toMatchObject({
    group: 'ITEM1',
    name: 'TEL',
    types: ['cell', 'voice', 'pref'],
    value: '+1 (415) 555-0132',
  });
  expect(parseProperty('TEL;CELL;VOICE:0151 1234567')).toMatchObject({
    name: 'TEL',
    types: ['cell', 'voice'],
    value: '0151 1234567',
  });
  expect(parseProperty('TEL;VALUE=uri;TYPE="cell,voice":tel:+1-415-555-0132')).toMatchObject({
    types: ['cell', 'voice'],
    value: 'tel:+1-415-555-0132',
  });
  expect(parseProperty('X-NOTE;LABEL="a:b":value')).toMatchObject({ name: 'X-NOTE', value: 'value' });
  expect(parseProperty('no colon here')).toBeUndefined();
});

test('values: quoted-printable in its CHARSET (2.1), UTF-8 otherwise, escapes and structured components (3.0, 4.0)', () => {
  const latin1 = parseProperty('N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen;;;')!;
  expect(components(decodeValue(latin1))).toEqual(['Müller', 'Jürgen', '', '', '']);
  const utf8qp = parseProperty('FN;CHARSET=UTF-8;QUOTED-PRINTABLE:Zo=C3=AB Bront=C3=AB')!;
  expect(decodeValue(utf8qp)).toBe('Zoë Brontë');
  // UTF-8 bytes as the reader hands them over (latin1: a character a byte).
  const raw = Buffer.from('ORG:Müller\\, Söhne & Co.;Vertrieb', 'utf8').toString('latin1');
  expect(components(decodeValue(parseProperty(raw)!))).toEqual(['Müller, Söhne & Co.', 'Vertrieb']);
});

test("a card: names, company and its department, labels from TYPE or from Apple's X-ABLabel, tel: and mailto: taken off", () => {
  const c = card([
    'UID:abc-123',
    'FN:Ada Lovelace',
    'N:Lovelace;Ada;King;Countess;',
    'ORG:Analytical Engines;Research',
    'TITLE:Founder',
    'item1.TEL:+44 20 7946 0018',
    'item1.X-ABLabel:_$!<Mobile>!$_',
    'item2.EMAIL;type=INTERNET:ada@engines.example',
    'item2.X-ABLabel:Lab',
    'TEL;TYPE=WORK,FAX:+44 20 7946 0019',
    'TEL;VALUE=uri;TYPE=home:tel:+44-20-7946-0020',
    'EMAIL;TYPE=work:mailto:ada@work.example',
    'EMAIL:',
  ]);
  expect(c).toMatchObject({
    uid: 'abc-123',
    fullName: 'Ada Lovelace',
    n: ['Lovelace', 'Ada', 'King', 'Countess', ''],
    org: ['Analytical Engines', 'Research'],
    title: 'Founder',
  });
  expect(c.phones).toEqual([
    { label: 'Mobile', value: '+44 20 7946 0018' },
    { label: 'work fax', value: '+44 20 7946 0019' },
    { label: 'home', value: '+44-20-7946-0020' },
  ]);
  expect(c.emails).toEqual([
    { label: 'Lab', value: 'ada@engines.example' },
    { label: 'work', value: 'ada@work.example' },
  ]);
});

async function items(file: string): Promise<TableItem[]> {
  const opened = await openVcard(file);
  const out: TableItem[] = [];
  for await (const item of opened.items) out.push(item);
  return out;
}

test('a file of 2.1, 3.0 and 4.0 cards: folded lines and quoted-printable soft breaks joined, a photo stepped over, the table as wide as the fullest card, each card on its BEGIN line', async () => {
  const file = join(dir(), 'mixed.vcf');
  const photo = Array.from({ length: 2000 }, () => ' QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=').join('\r\n');
  const text = [
    'BEGIN:VCARD',
    'VERSION:2.1',
    'N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FC=',
    'rgen;;;',
    'TEL;CELL:+49 151 12345678',
    'TEL;WORK:+49 89 1234567',
    'END:VCARD',
    '',
    'BEGIN:VCARD',
    'VERSION:3.0',
    'N:Hopper;Grace;;;',
    'NOTE:a note that is folded',
    '  over two lines',
    `PHOTO;ENCODING=b;TYPE=JPEG:${'A'.repeat(70)}`,
    photo,
    'EMAIL;TYPE=INTERNET,WORK:grace@navy.example',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:4.0',
    'FN:Alan Turing',
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+44-20-7946-0018',
    'END:VCARD',
  ].join('\r\n');
  writeFileSync(file, iconv.encode(text, 'latin1'));
  const opened = await openVcard(file);
  expect(opened.header.filter((h) => h.startsWith('Phone'))).toEqual([
    'Phone 1 - Label',
    'Phone 1 - Value',
    'Phone 2 - Label',
    'Phone 2 - Value',
  ]);
  const all = await items(file);
  expect(all.map((i) => [i.kind, i.line])).toEqual([
    ['record', 1],
    ['record', 9],
    ['record', 2017],
  ]);
  const get = (i: TableItem, column: string) =>
    i.kind === 'record' ? i.fields[opened.header.indexOf(column)] : undefined;
  expect([
    get(all[0]!, 'First Name'),
    get(all[0]!, 'Last Name'),
    get(all[0]!, 'Phone 1 - Label'),
    get(all[0]!, 'Phone 2 - Label'),
  ]).toEqual(['Jürgen', 'Müller', 'mobile', 'work']);
  expect([get(all[1]!, 'Notes'), get(all[1]!, 'E-mail 1 - Label'), get(all[1]!, 'E-mail 1 - Value')]).toEqual([
    'a note that is folded over two lines',
    'work',
    'grace@navy.example',
  ]);
  expect([get(all[2]!, 'Full Name'), get(all[2]!, 'Phone 1 - Label'), get(all[2]!, 'Phone 1 - Value')]).toEqual([
    'Alan Turing',
    'mobile',
    '+44-20-7946-0018',
  ]);
});

test('a card that cannot be read is malformed with its lines, and the cards after it are read', async () => {
  const file = join(dir(), 'broken.vcf');
  writeFileSync(
    file,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ada',
      'this line is not a property',
      'END:VCARD',
      'stray text between cards',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Grace',
      'END:VCARD',
      'BEGIN:VCARD',
      'FN:Alan',
    ].join('\n'),
  );
  const all = await items(file);
  expect(all.map((i) => [i.kind, i.line, i.kind === 'malformed' ? i.message : ''])).toEqual([
    ['malformed', 1, expect.stringMatching(/line 4: "this line is not a property" is not a property/)],
    ['malformed', 6, expect.stringMatching(/lines outside any card/)],
    ['record', 7, ''],
    ['malformed', 11, expect.stringMatching(/has no END:VCARD/)],
  ]);
});

test('a card without END:VCARD ends where the next card begins: it fails as it stands, and nothing of it reaches the next card', async () => {
  const file = join(dir(), 'unterminated.vcf');
  writeFileSync(
    file,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ada',
      'TEL:+14155550101',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Grace',
      'TEL:+14155550199',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Alan',
      'END:VCARD',
      '',
    ].join('\n'),
  );
  const all = await items(file);
  expect(all.map((i) => [i.kind, i.line, i.kind === 'malformed' ? i.message : ''])).toEqual([
    ['malformed', 1, 'the card from line 1 has no END:VCARD before the next card begins on line 5'],
    ['record', 5, ''],
    ['record', 10, ''],
  ]);
  // Grace's card holds Grace's number alone.
  expect((all[1] as Extract<TableItem, { kind: 'record' }>).fields.filter((f) => f.startsWith('+1'))).toEqual([
    '+14155550199',
  ]);
});

test("a 2.1 AGENT card inside a card is skipped like a photo: the assistant's number is not put on the boss", async () => {
  const file = join(dir(), 'agent.vcf');
  writeFileSync(
    file,
    [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N:Boss;Betty',
      'TEL;WORK:+14155550100',
      'AGENT:',
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N:Assistant;Al',
      'TEL;WORK:+14155550111',
      'END:VCARD',
      'EMAIL:betty@example.com',
      'END:VCARD',
      '',
    ].join('\r\n'),
  );
  const all = await items(file);
  expect(all.map((i) => i.kind)).toEqual(['record']);
  const fields = (all[0] as Extract<TableItem, { kind: 'record' }>).fields;
  expect(fields).toContain('+14155550100');
  expect(fields).toContain('betty@example.com');
  expect(fields).not.toContain('+14155550111');
  expect(fields).not.toContain('Al');
});

test('a photo on one line of 30 MB is stepped over in linear time; any other property that long fails its card, naming the line', async () => {
  const file = join(dir(), 'photo.vcf');
  const photo = 'A'.repeat(30 * 1024 * 1024);
  writeFileSync(
    file,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ada',
      `PHOTO;ENCODING=b;TYPE=JPEG:${photo}`,
      'TEL:+14155550101',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Grace',
      `NOTE:${'x'.repeat(2 * 1024 * 1024)}`,
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Alan',
      'END:VCARD',
      '',
    ].join('\n'),
  );
  const all = await items(file);
  expect(all.map((i) => [i.kind, i.line, i.kind === 'malformed' ? i.message : ''])).toEqual([
    ['record', 1, ''],
    ['malformed', 7, expect.stringMatching(/line 10 \(NOTE\) is longer than 1 MiB/)],
    ['record', 12, ''],
  ]);
  expect((all[0] as Extract<TableItem, { kind: 'record' }>).fields).toContain('+14155550101');
});

test('an invalid quoted-printable escape fails its card, naming the property, instead of being sent as typed', async () => {
  const file = join(dir(), 'qp.vcf');
  writeFileSync(
    file,
    [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=ZZller;Hans',
      'TEL:+4930123456',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCller;Grete',
      'END:VCARD',
      '',
    ].join('\r\n'),
  );
  const all = await items(file);
  expect(all.map((i) => [i.kind, i.line, i.kind === 'malformed' ? i.message : ''])).toEqual([
    ['malformed', 1, expect.stringMatching(/line 3: N: "=ZZ" is not a quoted-printable escape/)],
    ['record', 6, ''],
  ]);
  expect((all[1] as Extract<TableItem, { kind: 'record' }>).fields).toContain('Müller');
});

test("a card of failures.vcf: the codes its reasons end in, as failures.csv's _error_code; the table has the column only when a card has them", async () => {
  const failed = card([
    'UID:a-1',
    'X-OPENPHONE-IMPORT-SOURCE:/in/contacts.vcf:7',
    'X-OPENPHONE-IMPORT-ERROR:line 7: found "a-1": externalId already used\\, only the first [DUPLICATE_EXTERNAL_ID]',
    'X-OPENPHONE-IMPORT-ERROR:line 7\\, column "E-mail 1 - Value": found "x@y": expected an email [EMAIL_INVALID]',
  ]);
  expect(failed.errorCodes).toBe('DUPLICATE_EXTERNAL_ID EMAIL_INVALID');
  expect(card(['UID:a-2']).errorCodes).toBe('');
  const plain = join(dir(), 'plain.vcf');
  writeFileSync(plain, 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a-2\r\nEND:VCARD\r\n');
  expect((await openVcard(plain)).header).not.toContain('_error_code');
  const report = join(dir(), 'failures.vcf');
  writeFileSync(
    report,
    'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a-1\r\nX-OPENPHONE-IMPORT-ERROR:line 7: x [DUPLICATE_EXTERNAL_ID]\r\nEND:VCARD\r\n',
  );
  const table = await openVcard(report);
  const at = table.header.indexOf('_error_code');
  expect(at).toBeGreaterThan(0);
  const [item] = (await table.batches[Symbol.asyncIterator]().next()).value as TableItem[];
  expect(item!.fields[at]).toBe('DUPLICATE_EXTERNAL_ID');
});
