import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TableItem } from '../../src/input/table.js';
import { openCsv } from '../../src/input/read-csv.js';
import { HEADER_AGAIN } from '../../src/input/not-a-record.js';
import { fixture } from '../helpers/paths.js';
import { useTempDir } from '../helpers/temp-dir.js';

async function readAll(file: string, options: { encoding?: string; delimiter?: string } = {}) {
  const csv = await openCsv(file, { encoding: options.encoding ?? 'utf-8', delimiter: options.delimiter });
  const items: TableItem[] = [];
  for await (const item of csv.items) items.push(item);
  return { ...csv, items };
}

const dir = useTempDir();
const write = (text: string | Buffer) => {
  const f = join(dir(), 'in.csv');
  writeFileSync(f, text);
  return f;
};
const shape = (items: TableItem[]) =>
  items.map((i) =>
    i.kind === 'record'
      ? [i.line, ...i.fields]
      : i.kind === 'ignored'
        ? [`ignored@${i.line}`, i.text]
        : [`malformed@${i.line}-${i.endLine}`],
  );

describe('option.encoding and BOMs', () => {
  test('a UTF-8 BOM is not part of the first header', async () => {
    const csv = await readAll(fixture('bom-crlf-multiline.csv'));
    expect(csv.header[0]).toBe('Record ID');
    expect(csv.writeBack).toMatchObject({ format: 'csv', encoding: 'utf-8' });
  });
  test('UTF-16LE with BOM, tab-delimited', async () => {
    const csv = await readAll(fixture('utf16le-tab.csv'));
    expect(csv.writeBack).toMatchObject({ format: 'csv', encoding: 'utf-16le' });
    expect(csv.writeBack).toMatchObject({ format: 'csv', delimiter: '\t' });
    expect(csv.header).toHaveLength(12);
    expect(shape(csv.items).map((r) => r.slice(0, 3))).toEqual([
      [2, '1001', 'Ada'],
      [3, '1002', 'Grace'],
      [4, '1003', 'Alan'],
    ]);
  });
  test('UTF-16BE with BOM', async () => {
    const text = 'a,b\n1,ü\n';
    const be = Buffer.from(text, 'utf16le').swap16();
    const csv = await readAll(write(Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    expect(csv.writeBack).toMatchObject({ format: 'csv', encoding: 'utf-16be' });
    expect(shape(csv.items)).toEqual([[2, '1', 'ü']]);
  });
  test('Windows-1252 when the config says so: accents survive', async () => {
    const csv = await readAll(fixture('windows-1252-semicolon.csv'), { encoding: 'windows-1252' });
    expect(csv.writeBack).toMatchObject({ format: 'csv', delimiter: ';' });
    expect(csv.items.map((i) => (i.kind === 'record' ? i.fields.slice(1, 4) : []))).toEqual([
      ['José', 'Muñoz', 'Café Olé'],
      ['Zoë', 'Brontë', 'Société Générale'],
      ['Jürgen', 'Groß', 'Müller; Söhne'],
    ]);
  });
  test('latin1 as well', async () => {
    const csv = await readAll(write(Buffer.from('a,b\n1,caf\xe9\n', 'latin1')), { encoding: 'latin1' });
    expect(shape(csv.items)).toEqual([[2, '1', 'café']]);
  });
  test('invalid UTF-8 bytes are kept as escaped bytes for the caller to report (never silently replaced)', async () => {
    const csv = await readAll(fixture('windows-1252-semicolon.csv'));
    const first = csv.items[0]!;
    // 0xE9 (é in Windows-1252) is not UTF-8: kept as U+F7E9, written back as 0xE9 by failures.csv.
    expect(first.kind === 'record' && first.fields[1]).toBe('Jos\uF7E9');
  });
  test('a multi-byte character split across read chunks is decoded whole', async () => {
    const rows = Array.from({ length: 40000 }, (_, i) => `${i},ü€😀`).join('\n');
    const csv = await readAll(write(`a,b\n${rows}\n`));
    expect(csv.items).toHaveLength(40000);
    expect(csv.items.every((i) => i.kind === 'record' && i.fields[1] === 'ü€😀')).toBe(true);
  });
});

describe('option.delimiter', () => {
  test.each([
    [',', 'a,b,c'],
    [';', 'a;b;c'],
    ['\t', 'a\tb\tc'],
    ['|', 'a|b|c'],
  ])('detects %j from the header', async (d, header) => {
    const csv = await readAll(write(`${header}\n1${d}2${d}3\n`));
    expect(csv.writeBack).toMatchObject({ format: 'csv', delimiter: d });
    expect(shape(csv.items)).toEqual([[2, '1', '2', '3']]);
  });
  test('detection ignores delimiters inside quoted header names', async () => {
    const csv = await readAll(write('"Name; full";Phone\nA;1\n'));
    expect(csv.writeBack).toMatchObject({ format: 'csv', delimiter: ';' });
    expect(csv.header).toEqual(['Name; full', 'Phone']);
  });
  test('the config delimiter wins over detection', async () => {
    const csv = await readAll(write('a;b,c\n1;2,3\n'), { delimiter: ',' });
    expect(csv.header).toEqual(['a;b', 'c']);
  });
});

describe('physical line numbers', () => {
  test('CRLF, quoted line breaks, doubled quotes', async () => {
    const csv = await readAll(fixture('bom-crlf-multiline.csv'));
    expect(shape(csv.items).map((r) => r.slice(0, 5))).toEqual([
      [2, '1001', 'Ada', 'Lovelace', 'Analytical\r\nEngines'],
      [4, '1002', 'Grace', 'Hopper', 'US Navy'],
      [5, '1003', 'Alan', 'Turing', ''],
      [6, '1004', 'Katherine', 'Johnson', 'NASA "Langley"'],
    ]);
  });
  test('CR-only line ends (old Mac exports)', async () => {
    const csv = await readAll(write('a,b\r1,"x\ry"\r\r2,z\r'));
    expect(shape(csv.items)).toEqual([
      [2, '1', 'x\ny'],
      [5, '2', 'z'],
    ]);
  });
  test('blank lines are skipped but counted', async () => {
    const csv = await readAll(write('a,b\n\n1,x\n\n\n2,y'));
    expect(shape(csv.items)).toEqual([
      [3, '1', 'x'],
      [6, '2', 'y'],
    ]);
  });
});

describe('malformed records are reported with their lines, and reading goes on', () => {
  test('a stray quote mid-file swallows nothing', async () => {
    const csv = await readAll(fixture('stray-quote.csv'));
    expect(shape(csv.items).map((r) => r[0])).toEqual([2, 3, 'malformed@4-4', 5, 6, 7, 8, 9]);
    const bad = csv.items[2]!;
    expect(bad.kind === 'malformed' && bad.raw).toBe('3001,"Stray,Quote,,,stray@example.com,,,,,,');
    expect(bad.kind === 'malformed' && bad.fields.slice(0, 3)).toEqual(['3001', '"Stray', 'Quote']);
  });
  test('an unclosed quote at the end of the file', async () => {
    const csv = await readAll(write('a,b\n1,x\n2,"y\n3,z\n'));
    expect(shape(csv.items)).toEqual([[2, '1', 'x'], ['malformed@3-3'], [4, '3', 'z']]);
  });
  test('too many and too few fields', async () => {
    const csv = await readAll(write('a,b\n1,x,extra\n2\n3,y\n'));
    expect(shape(csv.items)).toEqual([['malformed@2-2'], ['malformed@3-3'], [4, '3', 'y']]);
    expect(csv.items[0]!.kind === 'malformed' && csv.items[0]!.message).toMatch(/wrong number of fields.*header has 2/);
  });
  test('a real multi-line cell with a wrong field count is one malformed record over its lines', async () => {
    const csv = await readAll(write('a,b\n1,"x\ny",extra\n2,z\n'));
    expect(shape(csv.items)).toEqual([['malformed@2-3'], [4, '2', 'z']]);
  });
  test('blank lines before malformed records are counted, and a malformed record is its own text', async () => {
    const csv = await readAll(write('a,b\n\n1,x,extra\n\n\n2,"p\nq",extra\n\n3,y\n'));
    expect(shape(csv.items)).toEqual([['malformed@3-3'], ['malformed@6-7'], [9, '3', 'y']]);
    expect(csv.items.map((i) => i.kind === 'malformed' && i.raw)).toEqual(['1,x,extra', '2,"p\nq",extra', false]);
  });
  test('records and malformed records across read-chunk boundaries keep their lines and text', async () => {
    // ~1.5 MB: the reader takes 64 KB at a time, so records straddle many chunk ends.
    const rows: string[] = [];
    const expected: unknown[] = [];
    let line = 2;
    for (let i = 0; i < 20_000; i++) {
      if (i % 7 === 3) {
        rows.push(`${i},"bad\ncell",extra`);
        expected.push([`malformed@${line}-${line + 1}`, `${i},"bad\ncell",extra`]);
      } else {
        rows.push(`${i},"two\nlines ${'x'.repeat(i % 50)}"`);
        expected.push([line, String(i)]);
      }
      line += 2;
    }
    const csv = await readAll(write(`a,b\n${rows.join('\n')}\n`));
    expect(
      csv.items.map((i) =>
        i.kind === 'record'
          ? [i.line, i.fields[0]]
          : i.kind === 'ignored'
            ? [`ignored@${i.line}`]
            : [`malformed@${i.line}-${i.endLine}`, i.raw],
      ),
    ).toEqual(expected);
  });
  test('an empty file is a usage error', async () => {
    await expect(readAll(write(''))).rejects.toMatchObject({ code: 'CSV_EMPTY', exitCode: 2 });
  });
  test('a missing file is a usage error naming it', async () => {
    await expect(readAll(join(dir(), 'nope.csv'))).rejects.toMatchObject({
      code: 'INPUT_UNREADABLE',
      message: expect.stringContaining('nope.csv'),
    });
  });
});

describe('csv-spectrum', () => {
  const spectrum = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
  const cases = readdirSync(join(spectrum, 'csvs')).map((f) => f.replace(/\.csv$/, ''));
  // Its expected data is itself wrong: a different phone number than the file
  // holds, an object instead of a list, and the file's Latin-1 degree signs
  // are not valid UTF-8. Checked below against what the file really holds.
  const wrongExpectation = new Set(['location_coordinates']);

  test.each(cases.filter((c) => !wrongExpectation.has(c)))('%s reads to its expected records', async (name) => {
    const csv = await readAll(join(spectrum, 'csvs', `${name}.csv`));
    const expected = JSON.parse(readFileSync(join(spectrum, 'json', `${name}.json`), 'utf8')) as Record<
      string,
      string
    >[];
    const got = csv.items.map((i) => {
      if (i.kind !== 'record') throw new Error(`line ${i.line}: ${i.kind === 'ignored' ? i.why : i.message}`);
      return Object.fromEntries(csv.header.map((h, k) => [h, i.fields[k]]));
    });
    // Line breaks inside cells as they are in the file, CRLF too.
    expect(got).toEqual(expected);
  });

  test('location_coordinates: the record the file really holds, bad bytes marked', async () => {
    const csv = await readAll(join(spectrum, 'csvs', 'location_coordinates.csv'));
    expect(csv.header).toEqual(['Contact Phone Number', 'Location Coordinates', 'Cities', 'Counties']);
    expect(shape(csv.items)).toEqual([
      [2, '2095257564', '37\uFFFD36\'37.8"N 121\uFFFD2\'17.9"W', 'Modesto', 'Stanislaus'],
    ]);
  });
});

describe('escaped bytes', () => {
  test('the decoder keeps invalid bytes, also across chunk ends, and valid text is untouched', async () => {
    const { EscapingUtf8Decoder, encodeWithEscapedBytes, decodeEscapedBytes } =
      await import('../../src/csv/escaped-bytes.js');
    const input = Buffer.concat([Buffer.from('Grüße '), Buffer.from([0xe9, 0xff]), Buffer.from(' 😀 €')]);
    for (let cut = 1; cut < input.length; cut++) {
      const d = new EscapingUtf8Decoder();
      const text = d.write(input.subarray(0, cut)) + d.write(input.subarray(cut)) + d.end();
      expect(encodeWithEscapedBytes(text)).toEqual(input);
      expect(text.startsWith('Grüße ')).toBe(true);
      expect(text.endsWith(' 😀 €')).toBe(true);
    }
    expect(decodeEscapedBytes('Jos\uF7E9', 'windows-1252')).toBe('José');
    expect(decodeEscapedBytes('Jos\uF7E9', 'utf-8')).toBe('Jos\uF7E9');
  });
});

describe('the estimate of the records in a file', () => {
  // The id set is sized once from the first estimate: one that is too low makes
  // it grow, holding two tables at once. The streams read ahead of the parser
  // while the consumer waits (an import's startup checks), and that text must
  // not count as parsed.
  const rows = 20_000;
  // Rows of one length: an estimate from the first rows is then the count.
  const text =
    ['id,name,city', ...Array.from({ length: rows }, (_, i) => `${String(i).padStart(5, '0')},Zoë Müller,Köln`)].join(
      '\n',
    ) + '\n';
  const firstEstimate = async (file: string, encoding: string) => {
    const csv = await openCsv(file, { encoding });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const batches = csv.batches[Symbol.asyncIterator]();
    await batches.next();
    const estimate = csv.estimatedRecords();
    for (let next = await batches.next(); !next.done; next = await batches.next());
    return { estimate, final: csv.estimatedRecords() };
  };
  test.each([
    ['utf-8', Buffer.from(text, 'utf8')],
    ['windows-1252', Buffer.from(text, 'latin1')],
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
  ])('%s: close from the first batch on, exact at the end', async (encoding, bytes) => {
    const { estimate, final } = await firstEstimate(write(bytes), encoding);
    expect(estimate).toBeGreaterThan(rows * 0.9);
    expect(estimate).toBeLessThan(rows * 1.1);
    expect(final).toBe(rows);
  });
});

test('UTF-16 without a byte order mark is named, with the csv.encoding that reads it', async () => {
  const file = join(tmpdir(), `utf16-${process.pid}.csv`);
  writeFileSync(file, Buffer.from('Record ID,First Name\n1,Ada\n', 'utf16le'));
  await expect(openCsv(file, { encoding: 'utf-8', headerLine: 1 })).rejects.toMatchObject({
    code: 'INPUT_UTF16',
    exitCode: 2,
    hint: expect.stringMatching(/"csv": \{ "encoding": "utf-16le" \}/),
  });
  // Named in the config, it reads.
  const csv = await openCsv(file, { encoding: 'utf-16le', headerLine: 1 });
  expect(csv.header).toEqual(['Record ID', 'First Name']);
});

test('one stray quote early in a large file: one malformed record, every other record read (no stack overflow), its text kept whole when short', async () => {
  const file = join(tmpdir(), `stray-${process.pid}.csv`);
  const rows = ['Record ID,First Name,Email'];
  for (let i = 0; i < 140_000; i++)
    rows.push(i === 10 ? `${i},"Ada,ada${i}@example.com` : `${i},First${i},user${i}@example.com`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  const csv = await openCsv(file, { encoding: 'utf-8', headerLine: 1 });
  let records = 0;
  const malformed: { line: number; raw: string }[] = [];
  for await (const batch of csv.batches) {
    for (const item of batch) {
      if (item.kind === 'record') records++;
      else if (item.kind === 'malformed') malformed.push({ line: item.line, raw: item.raw });
    }
  }
  expect(records).toBe(139_999);
  expect(malformed).toEqual([{ line: 12, raw: '10,"Ada,ada10@example.com' }]);
}, 60_000);

test('a stray quote that never closes, early in a large file: the record is cut at 1 MiB, reported as too long and marked as cut, and every line after it is read', async () => {
  const file = join(tmpdir(), `stray-cap-${process.pid}.csv`);
  const rows = ['Record ID,First Name,Email'];
  // "Lovelace, Ada" holds the delimiter: read without quotes the line has a field too many, so nothing but the cap ends the record.
  for (let i = 0; i < 60_000; i++)
    rows.push(i === 10 ? `${i},"Lovelace, Ada,ada${i}@example.com` : `${i},First${i},user${i}@example.com`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  const csv = await openCsv(file, { encoding: 'utf-8', headerLine: 1 });
  let records = 0;
  const malformed: { line: number; raw: string; message: string }[] = [];
  for await (const batch of csv.batches) {
    for (const item of batch) {
      if (item.kind === 'record') records++;
      else if (item.kind === 'malformed') malformed.push({ line: item.line, raw: item.raw, message: item.message });
    }
  }
  expect(records).toBe(59_999);
  expect(malformed).toEqual([
    {
      line: 12,
      raw: '10,"Lovelace, Ada,ada10@example.com',
      message: expect.stringMatching(/^record too long: over 1,048,576 bytes/),
    },
  ]);
}, 60_000);

describe('line breaks inside quoted cells', () => {
  const decodeAll = async (bytes: Buffer, chunk: number) => {
    const { DecodeToLf } = await import('../../src/csv/decode.js');
    const d = new DecodeToLf('utf-8');
    const out: string[] = [];
    d.on('data', (t: string) => out.push(t));
    for (let i = 0; i < bytes.length; i += chunk) d.write(bytes.subarray(i, i + chunk));
    d.end();
    await new Promise((r) => d.on('end', r));
    return out.join('');
  };

  test("a CRLF inside a quoted cell is kept; the rows' CRLFs become LF; however the bytes are cut into chunks", async () => {
    const { CR_IN_CELL } = await import('../../src/csv/decode.js');
    const bytes = Buffer.from('a,b\r\n"one\r\ntwo ""q"" ",x\r\n3,"y"\r\n');
    for (const chunk of [1, 2, 3, 7, 64])
      expect(await decodeAll(bytes, chunk)).toBe(`a,b\n"one${CR_IN_CELL}\ntwo ""q"" ",x\n3,"y"\n`);
  });

  test('read back: the cell as written, line numbers as in the file; a stray quote in an unquoted cell leaves no mark in any field', async () => {
    const file = join(tmpdir(), `crlf-cell-${process.pid}.csv`);
    writeFileSync(
      file,
      'Id,Name,Note\r\n1,Ada,"line one\r\nline two"\r\n2,Grace 5\'11",plain\r\n3,Alan,"x"\r\n4,Kate,last\r\n',
    );
    const csv = await readAll(file);
    expect(shape(csv.items)).toEqual([
      [2, '1', 'Ada', 'line one\r\nline two'],
      [4, '2', 'Grace 5\'11"', 'plain'],
      [5, '3', 'Alan', 'x'],
      [6, '4', 'Kate', 'last'],
    ]);
  });
});

test('a failure report of this program is read from its line 1, whatever csv.headerLine says (the export had notes above its header)', async () => {
  const file = join(tmpdir(), `failures-${process.pid}.csv`);
  writeFileSync(
    file,
    '\uFEFFId,Name,_source_file,_source_line,_error_line,_error_code,_error_message,_error_raw\n7,Ada,export.csv,9,9,EMAIL_INVALID,bad,\n8,Alan,export.csv,10,10,EMAIL_INVALID,bad,\n',
  );
  const csv = await openCsv(file, { encoding: 'utf-8', headerLine: 4 });
  expect(csv.header.slice(0, 2)).toEqual(['Id', 'Name']);
  const ids: string[] = [];
  for await (const batch of csv.batches)
    for (const item of batch) if (item.kind === 'record') ids.push(item.fields[0]!);
  expect(ids).toEqual(['7', '8']);
});

describe("a report's trailing block", () => {
  test('one-cell lines after a blank row, ending the file with a known footer line among them: all ignored; followed by a record: given back as they were', async () => {
    const footer = await readAll(
      write('a,b\n1,x\n""\n"Contacts & Accounts"\n"Copyright (c) 2000-2026 salesforce.com, inc."\n"Acme Corp"\n'),
    );
    expect(footer.items.map((i) => [i.kind, i.line])).toEqual([
      ['record', 2],
      ['ignored', 3],
      ['ignored', 4],
      ['ignored', 5],
      ['ignored', 6],
    ]);
    const notFooter = await readAll(write('a,b\n1,x\n""\n"Contacts & Accounts"\n2,y\n'));
    expect(notFooter.items.map((i) => [i.kind, i.line])).toEqual([
      ['record', 2],
      ['ignored', 3],
      ['malformed', 4],
      ['record', 5],
    ]);
    const noKnownLine = await readAll(write('a,b\n1,x\n""\n"Contacts & Accounts"\n'));
    expect(noKnownLine.items.map((i) => i.kind)).toEqual(['record', 'ignored', 'malformed']);
  });
});

test('a config that names "," and a file saved with ";": refused as another separator, naming the line; a file of one column is read', async () => {
  const semicolons = write('\uFEFFRecord ID;First Name;Email\r\n1;Zoë;zoe@example.com\r\n');
  await expect(openCsv(semicolons, { encoding: 'utf-8', delimiter: ',' })).rejects.toMatchObject({
    code: 'CSV_DELIMITER_MISMATCH',
    message: expect.stringMatching(
      /:1: the header is one field when split by csv\.delimiter ",", and its fields are separated by ";"/,
    ),
  });
  // Left to detection, the same file is read in its own separator.
  expect((await openCsv(semicolons, { encoding: 'utf-8' })).header).toEqual(['Record ID', 'First Name', 'Email']);
  const oneColumn = write('Email\nzoe@example.com\n');
  expect((await openCsv(oneColumn, { encoding: 'utf-8', delimiter: ',' })).header).toEqual(['Email']);
});

test('two exports joined into one file: the second header line is not a record (it would be a contact called "First Name"); a row with one cell like its column name is', async () => {
  const joined = await readAll(
    write(
      'Record ID,First Name,Email\n1,Ada,ada@example.com\nrecord id, First Name ,EMAIL\n2,Grace,grace@example.com\n3,First Name,x@example.com\n',
    ),
  );
  expect(joined.items.map((i) => [i.kind, i.line])).toEqual([
    ['record', 2],
    ['ignored', 3],
    ['record', 4],
    ['record', 5],
  ]);
  expect(joined.items[1]).toMatchObject({ why: HEADER_AGAIN });
});
