import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config/load.js';
import { dryRun } from '../../src/job/dry-run.js';
import { silentLog } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { writeContactsFile } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

async function dry(input: string, config: object, name: string) {
  const configPath = join(dir(), `${name}.config.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const stateDir = join(dir(), `${name}-state`);
  const summary = await dryRun({ config: loadConfig(configPath), input, stateDir, log: silentLog });
  const payloads = readFileSync(join(stateDir, 'dry-run', 'payloads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; externalId: string; body: unknown });
  const failures = parse(readFileSync(join(stateDir, 'dry-run', 'failures.csv'), 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  return { summary, payloads, failures, stateDir, configPath };
}

const CSV_CONFIG = {
  externalId: 'Record ID',
  source: 'test-import',
  invalidValues: 'fail',
  defaultFields: {
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Company',
    emails: [{ name: 'work', column: 'Email' }],
    phoneNumbers: [{ name: 'mobile', column: 'Mobile' }],
  },
  phone: { defaultCountry: 'US' },
};

const VCARD_CONFIG = {
  externalId: 'UID',
  source: 'test-import',
  invalidValues: 'fail',
  defaultFields: {
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Organization Name',
    emails: [{ name: 'email', nameColumn: 'E-mail 1 - Label', column: 'E-mail 1 - Value' }],
    phoneNumbers: [{ name: 'phone', nameColumn: 'Phone 1 - Label', column: 'Phone 1 - Value' }],
  },
  phone: { defaultCountry: 'US' },
};

/** The CSV's rows as vCards, one a record: 3.0 cards, every 5th a 2.1 card with quoted-printable, every 7th a 4.0 one; line i of the CSV is card i. */
function asVcards(rows: string[][]): { text: string; lines: number[] } {
  const out: string[] = [];
  const lines: number[] = [];
  rows.forEach(([id, first, last, company, email, mobile], i) => {
    lines.push(out.length + 1);
    const version = i % 7 === 0 ? '4.0' : i % 5 === 0 ? '2.1' : '3.0';
    out.push('BEGIN:VCARD', `VERSION:${version}`, `UID:${id}`);
    out.push(
      ...(version === '2.1' ? [`N;ENCODING=QUOTED-PRINTABLE:${last};${first}=`, ';;;'] : [`N:${last};${first};;;`]),
    );
    out.push(`FN:${first} ${last}`);
    if (company) out.push(`ORG:${company};`);
    out.push(version === '4.0' ? `EMAIL;TYPE=work:${email}` : `EMAIL;TYPE=INTERNET;TYPE=WORK:${email}`);
    out.push(
      version === '2.1'
        ? `TEL;CELL;VOICE:${mobile}`
        : version === '4.0'
          ? `TEL;VALUE=uri;TYPE="cell,voice":tel:${mobile}`
          : `TEL;TYPE=CELL:${mobile}`,
    );
    out.push('END:VCARD');
  });
  return { text: `${out.join('\r\n')}\r\n`, lines };
}

test('a vCard file of the same 400 contacts as a CSV gives the same payloads and the same failures, each card at its BEGIN line', async () => {
  const csv = join(dir(), 'contacts.csv');
  writeContactsFile(csv, 400);
  const rows = (parse(readFileSync(csv, 'utf8')) as string[][]).slice(1);
  const { text, lines } = asVcards(rows);
  const vcf = join(dir(), 'contacts.vcf');
  writeFileSync(vcf, text);
  const fromCsv = await dry(csv, CSV_CONFIG, 'csv');
  const fromVcf = await dry(vcf, VCARD_CONFIG, 'vcf');
  expect(fromVcf.summary.counts).toEqual(fromCsv.summary.counts);
  const body = (p: { body: unknown }) => JSON.stringify(p.body);
  expect(fromVcf.payloads.map(body)).toEqual(fromCsv.payloads.map(body));
  // Line n of the CSV is card n - 1, which starts on its own line of the vCard file.
  expect(fromVcf.payloads.map((p) => p.line)).toEqual(fromCsv.payloads.map((p) => lines[p.line - 2]));
  expect(fromVcf.failures.map((f) => f._error_code)).toEqual(fromCsv.failures.map((f) => f._error_code));
});

test('init on a vCard file: UID as the externalId when every card has one, names, company, labelled emails and phones; the dry run imports them', async () => {
  const vcf = join(dir(), 'icloud.vcf');
  writeFileSync(
    vcf,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'PRODID:-//Apple Inc.//iPhone OS 17.0//EN',
      'N:Lovelace;Ada;;;',
      'FN:Ada Lovelace',
      'ORG:Analytical Engines;',
      'item1.TEL:+1 (415) 555-0132',
      'item1.X-ABLabel:_$!<Mobile>!$_',
      'EMAIL;type=INTERNET;type=HOME;type=pref:ada@engines.example',
      'UID:6F1B0B5C-1A2B-4C3D-9E8F-000000000001',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Hopper;Grace;;;',
      'FN:Grace Hopper',
      'TEL;type=WORK;type=VOICE:(212) 555-0187',
      'TEL;type=CELL:(415) 555-0199',
      'UID:6F1B0B5C-1A2B-4C3D-9E8F-000000000002',
      'END:VCARD',
    ].join('\r\n'),
  );
  const out = join(dir(), 'vcard.config.json');
  const r = await runCli(['init', '--input', vcf, '--out', out]);
  expect(r.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8')) as {
    externalId: unknown;
    csv?: unknown;
    defaultFields: Record<string, unknown>;
  };
  expect(config.externalId).toEqual({ column: 'UID' });
  expect(config.csv).toBeUndefined();
  expect(config.defaultFields).toMatchObject({
    firstName: 'First Name',
    lastName: 'Last Name',
    company: 'Organization Name',
  });
  const { summary, payloads } = await dry(vcf, JSON.parse(readFileSync(out, 'utf8')) as object, 'init');
  expect(summary.counts).toMatchObject({ read: 2, valid: 2 });
  const phones = payloads.map(
    (p) =>
      (p.body as { defaultFields: { phoneNumbers?: { name: string; value: string }[] } }).defaultFields.phoneNumbers,
  );
  expect(phones).toEqual([
    [{ name: 'Mobile', value: '+14155550132' }],
    [
      { name: 'work', value: '+12125550187' },
      { name: 'mobile', value: '+14155550199' },
    ],
  ]);
});

test('init on vCards of which one has no UID: not the UID, and a note says why', async () => {
  const vcf = join(dir(), 'google.vcf');
  writeFileSync(
    vcf,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ada Lovelace',
      'N:Lovelace;Ada;;;',
      'EMAIL;TYPE=INTERNET:ada@engines.example',
      'UID:one',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Grace Hopper',
      'N:Hopper;Grace;;;',
      'EMAIL;TYPE=INTERNET:grace@navy.example',
      'END:VCARD',
    ].join('\n'),
  );
  const out = join(dir(), 'google.config.json');
  const r = await runCli(['init', '--input', vcf, '--out', out]);
  expect(r.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8')) as { externalId: unknown };
  expect(config.externalId).toEqual({ column: 'E-mail 1 - Value' });
});

test('failures.vcf: each failed card byte for byte as read, its reasons beside it; fixed there, it reruns, and its own reasons are replaced, never piled up', async () => {
  const vcf = join(dir(), 'apple.vcf');
  const grace = [
    'BEGIN:VCARD',
    'VERSION:2.1',
    'UID:g-1',
    'N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Hopp=E9r;Gr=E2ce;;;',
    'EMAIL;INTERNET:grace@navy',
    'PHOTO;ENCODING=BASE64;TYPE=JPEG:QUJD',
    ' REVG',
    'END:VCARD',
  ];
  const bytes = Buffer.from(
    [
      ...['BEGIN:VCARD', 'VERSION:3.0', 'UID:a-1', 'N:Lovelace;Ada;;;', 'EMAIL:ada@engines.example', 'END:VCARD'],
      ...grace,
    ].join('\r\n') + '\r\n',
    'latin1',
  );
  writeFileSync(vcf, bytes);
  const config = { ...VCARD_CONFIG, invalidValues: 'fail' };
  const first = await dry(vcf, config, 'cards');
  expect(first.summary.counts).toMatchObject({ read: 2, valid: 1, failed: 1 });
  expect(first.summary.failedCards).toBe(join(first.stateDir, 'dry-run', 'failures.vcf'));
  const failed = readFileSync(join(first.stateDir, 'dry-run', 'failures.vcf'));
  const text = failed.toString('latin1');
  // The card's own bytes (latin1 quoted-printable, the photo) as they were, then the reasons before END:VCARD.
  expect(text.startsWith(`${grace.slice(0, -1).join('\r\n')}\r\n`)).toBe(true);
  expect(text).toMatch(
    /X-OPENPHONE-IMPORT-SOURCE:.*apple\.vcf:7\r\nX-OPENPHONE-IMPORT-ERROR:line 7\\, column "E-mail 1 - Value": found "grace@navy": expected an email address .*\r\nEND:VCARD\r\n$/,
  );
  // Fixed in failures.vcf, then checked: it reads as vCards, and the check's reports go elsewhere.
  const fixedPath = join(first.stateDir, 'dry-run', 'failures.vcf');
  writeFileSync(fixedPath, Buffer.from(text.replace('grace@navy', 'grace@navy.example'), 'latin1'));
  const rerun = await runCli(['run', '--config', join(dir(), 'cards.config.json'), '--input', fixedPath, '--dry-run']);
  expect(rerun.code).toBe(0);
  expect(rerun.stdout).toMatch(/1 records read/);
  // Failing again (no fix): the reasons are this run's only, and the source is the original card's.
  writeFileSync(fixedPath, failed);
  const failing = await runCli([
    'run',
    '--config',
    join(dir(), 'cards.config.json'),
    '--input',
    fixedPath,
    '--dry-run',
  ]);
  // A vCard file holds cards, and the next steps say so.
  expect(failing.stdout).toMatch(/^ {2}fix the cards in .*failures\.vcf, then check them: /m);
  expect(failing.stdout).toMatch(/next, import these cards \(after the rest of the export\)/);
  expect(failing.stdout).not.toMatch(/\brows\b/);
  const again = readFileSync(join(first.stateDir, 'dry-run', 'check-1', 'failures.vcf'), 'latin1');
  expect(again.match(/X-OPENPHONE-IMPORT-ERROR/g)).toHaveLength(1);
  expect(again.match(/X-OPENPHONE-IMPORT-SOURCE:.*apple\.vcf:7/g)).toHaveLength(1);
  // Copied out of its job's folder and run without --state-dir: the import would stop, the cards being that job's.
  mkdirSync(join(dir(), 'desktop'));
  const copy = join(dir(), 'desktop', 'failures.vcf');
  writeFileSync(copy, failed);
  const copied = await runCli(['run', '--config', join(dir(), 'cards.config.json'), '--input', copy, '--dry-run']);
  expect(copied.stderr).toMatch(
    /the import would stop before sending: .*failures\.vcf is a failure report of this tool \(its records came from .*apple\.vcf\)/,
  );
  // Its reports went beside the copy, and the import after it stops all the same: a dry run's folder is no job.
  expect(readdirSync(join(dir(), 'desktop', 'failures.openphone-import'))).toContain('dry-run');
  const imported = await runCli(['run', '--config', join(dir(), 'cards.config.json'), '--input', copy], {
    OPENPHONE_API_KEY: 'never-used',
  });
  expect(imported.code).toBe(2);
  expect(imported.stderr).toMatch(/^error: .*failures\.vcf is a failure report of this tool/m);
});

test("a card's numbers written nationally are read in the card's own country (its address, its other numbers) before the default: init proposes it, the dry run sends them so", async () => {
  const vcf = join(dir(), 'mixed.vcf');
  writeFileSync(
    vcf,
    [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Müller;Hans;;;',
      'FN:Hans Müller',
      'TEL;type=CELL:+49 151 12345678',
      'TEL;type=WORK:089 1234567',
      'UID:u1',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Dupont;Marie;;;',
      'FN:Marie Dupont',
      'ADR;type=HOME:;;1 rue de Rivoli;Paris;;75001;France',
      'TEL;type=HOME:01 42 60 30 30',
      'UID:u2',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Hopper;Grace;;;',
      'FN:Grace Hopper',
      'TEL;type=WORK:(212) 555-0187',
      'UID:u3',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Turing;Alan;;;',
      'FN:Alan Turing',
      'ADR;type=WORK:;;Hut 8;Bletchley;;;United Kingdom',
      'TEL;type=WORK:020 7946 0958',
      'UID:u4',
      'END:VCARD',
    ].join('\r\n'),
  );
  const out = join(dir(), 'mixed.config.json');
  const r = await runCli(['init', '--input', vcf, '--out', out]);
  expect(r.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8')) as {
    phone?: { countryColumn?: string; defaultCountry?: string };
  };
  expect(config.phone?.countryColumn).toBe('Country');
  const { payloads } = await dry(vcf, { ...config, phone: { ...config.phone, defaultCountry: 'US' } }, 'mixed');
  const phones = payloads.map((p) =>
    (p.body as { defaultFields: { phoneNumbers?: { value: string }[] } }).defaultFields.phoneNumbers?.map(
      (n) => n.value,
    ),
  );
  expect(phones).toEqual([['+4915112345678', '+49891234567'], ['+33142603030'], ['+12125550187'], ['+442079460958']]);
});

test("failures.vcf rerun: a card that failed as a second card of its UID stays a duplicate and leaves the first card's contact alone", async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const vcf = join(dir(), 'contacts.vcf');
  const card = (uid: string, last: string, first: string, email: string) => [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `UID:${uid}`,
    `N:${last};${first};;;`,
    `EMAIL:${email}`,
    'END:VCARD',
  ];
  writeFileSync(
    vcf,
    [...card('a-1', 'Lovelace', 'Ada', 'ada@engines.example'), ...card('a-1', 'Licate', 'Dup', 'dup@example.com')].join(
      '\r\n',
    ) + '\r\n',
  );
  const configPath = join(dir(), 'cards.config.json');
  writeFileSync(configPath, JSON.stringify({ ...VCARD_CONFIG, matchExisting: [] }));
  const stateDir = join(dir(), 'state');
  const run = (input: string) =>
    runCli(['run', '-c', configPath, '-i', input, '--state-dir', stateDir, '--base-url', sandbox.url], {
      OPENPHONE_API_KEY: sandbox.apiKey,
    });
  expect((await run(vcf)).code).toBe(1);
  const failedCards = join(stateDir, 'failures.vcf');
  expect(readFileSync(failedCards, 'latin1')).toMatch(/X-OPENPHONE-IMPORT-ERROR:.*\[DUPLICATE_EXTERNAL_ID\]/);
  const rerun = await run(failedCards);
  expect(rerun.code).toBe(1);
  expect(rerun.stdout).toMatch(/created 0, .*duplicate 1, failed 0/);
  expect(sandbox.requests().filter((r) => r.method === 'PATCH')).toHaveLength(0);
  expect(sandbox.contacts()).toHaveLength(1);
  expect(sandbox.contacts()[0]!.defaultFields).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
});

test("Outlook's 2.1 cards in windows-1252 without a CHARSET: init proposes csv.encoding, the dry run reads them with it, and a config without it fails the card, whose failures.vcf reruns right once it is set", async () => {
  const vcf = join(dir(), 'outlook.vcf');
  const card = (n: string, fn: string, tel: string) =>
    ['BEGIN:VCARD', 'VERSION:2.1', `N:${n}`, `FN:${fn}`, `TEL;CELL:${tel}`, 'END:VCARD'].join('\r\n');
  writeFileSync(
    vcf,
    Buffer.from(
      `${card('Müller;Jürgen', 'Jürgen Müller', '+49 151 12345678')}\r\n${card('Smith;Ann', 'Ann Smith', '+1 415 555 0101')}\r\n`,
      'latin1',
    ),
  );
  const out = join(dir(), 'outlook.config.json');
  const init = await runCli(['init', '--input', vcf, '--out', out]);
  expect(init.code).toBe(0);
  const proposed = JSON.parse(readFileSync(out, 'utf8')) as { csv?: { encoding?: string } };
  expect(proposed.csv?.encoding).toBe('windows-1252');
  const { csv: _, ...withoutEncoding } = proposed;
  const read = await dry(vcf, proposed, 'with');
  expect(read.summary.counts).toMatchObject({ valid: 2, failed: 0 });
  expect(JSON.stringify(read.payloads[0]!.body)).toContain('"firstName":"Jürgen","lastName":"Müller"');
  // Without it the card fails, naming the encoding; its failures.vcf keeps the bytes, and reads right with it.
  const unread = await dry(vcf, withoutEncoding, 'without');
  expect(unread.summary.counts).toMatchObject({ valid: 1, failed: 1 });
  expect(unread.summary.problems).toHaveProperty('ENCODING_INVALID');
  const rerun = await dry(join(unread.stateDir, 'dry-run', 'failures.vcf'), proposed, 'rerun');
  expect(rerun.summary.counts).toMatchObject({ valid: 1, failed: 0 });
  expect(JSON.stringify(rerun.payloads[0]!.body)).toContain('"lastName":"Müller"');
});
