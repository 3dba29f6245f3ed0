import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { contactRequestProblems } from '../../src/api/contract.js';
import { loadConfig } from '../../src/config/load.js';
import { initConfig } from '../../src/init/init-command.js';
import { importJob } from '../../src/job/import-job.js';
import { dryRun } from '../../src/job/dry-run.js';
import { silentLog } from '../../src/log.js';

import { runCli } from '../helpers/cli.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

// Fixtures built from the real header rows of the products people leave (fixtures/exports/), each run
// the way a new user would: init writes the config, a dry run shows what would be sent.
const dir = useTempDir();
const startSandbox = sandboxesPerTest();
const exportFile = (name: string) => fixture(join('exports', name));

type Payload = {
  line: number;
  externalId: string;
  body: {
    defaultFields: {
      firstName: string | null;
      lastName?: string;
      company?: string;
      emails?: { name: string; value: string }[];
      phoneNumbers?: { name: string; value: string }[];
    };
  };
};

async function initAndDryRun(name: string) {
  const out = join(dir(), `${name}.json`);
  const init = await initConfig({
    input: exportFile(name),
    out,
    force: false,
    baseUrl: 'http://127.0.0.1:9',
    packageRoot: ROOT,
    log: silentLog,
  });
  const config = loadConfig(out);
  const stateDir = join(dir(), `state-${name}`);
  const summary = await dryRun({ config, input: exportFile(name), stateDir, log: silentLog });
  const reports = join(stateDir, 'dry-run');
  const payloads = readFileSync(join(reports, 'payloads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Payload);
  const dropped = parse(readFileSync(join(reports, 'dropped-values.csv'), 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  expect(summary.invariant.holds).toBe(true);
  // The mapping's bodies are the contract's (checked where a body leaves, not per record).
  expect(payloads.flatMap((p) => contactRequestProblems(p.body))).toEqual([]);
  const phones = (p: Payload) => (p.body.defaultFields.phoneNumbers ?? []).map((n) => n.value);
  const byName = (first: string) => payloads.find((p) => p.body.defaultFields.firstName === first)!;
  return { init, written: JSON.parse(readFileSync(out, 'utf8')), summary, payloads, dropped, phones, byName };
}

test('Outlook (US company): US numbers become +1, a UK number keeps +44, nothing becomes German; the Dana Whitfield case', async () => {
  const r = await initAndDryRun('outlook-us.csv');
  expect(r.written.phone).toEqual({ defaultCountry: 'US', countryColumn: 'Business Country/Region' });
  expect(r.summary.counts).toMatchObject({ read: 8, valid: 8, failed: 0 });
  expect(r.phones(r.byName('Marcus'))).toEqual(['+14155550199', '+14155550101']);
  expect(r.phones(r.byName('Oliver'))).toEqual(['+442079460958']);
  expect(r.payloads.flatMap(r.phones).filter((p) => p.startsWith('+49'))).toEqual([]);
  // The Exchange address is dropped and reported; the SMTP address is kept.
  expect(r.byName('Dana').body.defaultFields.emails).toEqual([
    { name: 'other', value: 'dana.whitfield@harborfreight.example' },
  ]);
  expect(r.dropped.map((d) => [d.line, d.column, d.code])).toEqual([
    ['2', 'E-mail Address', 'EMAIL_INVALID'],
    ['3', 'Business Phone', 'PHONE_EXTENSION_DROPPED'],
    ['4', 'Other Phone', 'PHONE_INVALID'],
    ['6', 'Home Phone', 'PHONE_INVALID'],
  ]);
  expect(r.summary.droppedValues).toEqual({ EMAIL_INVALID: 1, PHONE_EXTENSION_DROPPED: 1, PHONE_INVALID: 2 });
  expect(r.summary.preview?.[1]).toBe(
    'line 3: Marcus Oyelaran, Oyelaran & Sons: (415) 555-0199, 415.555.0101 ext. 23 → +1 415 555 0199 (US), +1 415 555 0101 (US); marcus@oyelaran.example',
  );
});

test('HubSpot (US): Record ID as id, "Additional email addresses" split, a 7-digit number reported rather than guessed', async () => {
  const r = await initAndDryRun('hubspot-us.csv');
  expect(r.written.externalId).toEqual({ column: 'Record ID' });
  expect(r.written.defaultFields.emails).toContainEqual({
    name: 'other',
    column: 'Additional email addresses',
    split: ';',
  });
  expect(r.byName('Ada').body.defaultFields.emails?.map((e) => e.value)).toEqual([
    'ada@engines.example',
    'ada.l@engines.example',
    'ada@home.example',
  ]);
  expect(r.phones(r.byName('Grace'))).toEqual(['+19175550101', '+12125550187']);
  expect(r.phones(r.byName('Alan'))).toEqual(['+441908640404']);
  expect(r.dropped).toEqual([
    expect.objectContaining({ column: 'Phone Number', value: '5550199', code: 'PHONE_INVALID' }),
  ]);
});

test("Salesforce report: its whole trailing block after the blank row (the report's name, totals, copyright, the org's name) is ignored and reported, not failed", async () => {
  const r = await initAndDryRun('salesforce-report.csv');
  expect(r.summary.counts).toMatchObject({ valid: 4, failed: 0, ignored: 9 });
  expect(r.summary.exitCode).toBe(0);
  expect(r.summary.ignoredLines?.map((l) => l.line)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
  expect(r.summary.ignoredLines?.find((l) => l.line === 14)).toMatchObject({
    text: '"Acme Corp"',
    why: "part of a report's footer block (after its last record)",
  });
  expect(r.summary.ignoredLines?.find((l) => l.line === 7)).toMatchObject({ text: '"Contacts & Accounts"' });
  expect(r.phones(r.byName('Liam'))).toEqual(['+35315550100']);
  expect(r.phones(r.byName('Hannah'))).toEqual(['+14155550170']);
});

test('Salesforce Data Loader extract: API names in capitals; each record read in its own MAILINGCOUNTRY', async () => {
  const r = await initAndDryRun('salesforce-dataloader.csv');
  expect(r.written.defaultFields).toMatchObject({ firstName: 'FIRSTNAME', lastName: 'LASTNAME', role: 'TITLE' });
  expect(r.written.phone.countryColumn).toBe('MAILINGCOUNTRY');
  expect(r.phones(r.byName('Lucas'))).toEqual(['+33142685300']);
  expect(r.phones(r.byName('Emma'))).toEqual(['+16175550133', '+16175550122']);
});

test('German Outlook in Windows-1252 with semicolons: German national numbers become +49, Austrian ones +43, umlauts intact', async () => {
  const r = await initAndDryRun('outlook-de.csv');
  expect(r.written.csv).toEqual({ encoding: 'windows-1252' });
  expect(r.written.phone).toEqual({ defaultCountry: 'DE', countryColumn: 'Land/Region geschäftlich' });
  expect(r.byName('Jürgen').body.defaultFields).toMatchObject({ lastName: 'Groß', company: 'Groß & Söhne GmbH' });
  expect(r.phones(r.byName('Jürgen'))).toEqual(['+4915112345678', '+49891234567']);
  expect(r.phones(r.byName('Bärbel'))).toEqual(['+49301234567']);
  expect(r.phones(r.byName('Anna'))).toEqual(['+4315123456']);
});

test('French Excel: +33; Spanish spreadsheet: +34', async () => {
  const fr = await initAndDryRun('excel-fr.csv');
  expect(fr.written.defaultFields).toMatchObject({
    firstName: 'Prénom',
    lastName: 'Nom',
    company: 'Société',
    role: 'Fonction',
  });
  expect(fr.phones(fr.byName('Amélie'))).toEqual(['+33612345678', '+33142685300']);
  const es = await initAndDryRun('excel-es.csv');
  expect(es.written.defaultFields).toMatchObject({ firstName: 'Nombre', lastName: 'Apellidos', company: 'Empresa' });
  expect(es.phones(es.byName('Lucía'))).toEqual(['+34612345678', '+34912345678']);
});

test('Pipedrive and Zoho: their columns mapped; a bad secondary email is dropped, not the contact', async () => {
  const pd = await initAndDryRun('pipedrive.csv');
  expect(pd.written.externalId).toEqual({ column: 'Person - ID' });
  expect(pd.summary.counts).toMatchObject({ valid: 4, failed: 0 });
  expect(pd.payloads.find((p) => p.externalId === '103')!.body.defaultFields).toMatchObject({
    firstName: null,
    company: 'Acme Corp',
  });
  // Pipedrive's "a, b" multi-value cells: split, so both addresses and both numbers arrive.
  expect(pd.written.defaultFields.emails).toContainEqual(
    expect.objectContaining({ column: 'Person - Email - Work', split: ',' }),
  );
  const felix = pd.payloads.find((p) => p.externalId === '102')!.body.defaultFields;
  expect(felix.emails?.map((e) => e.value)).toEqual([
    'felix@braunmedia.example',
    'f.braun@braunmedia.example',
    'felix@home.example',
  ]);
  expect(felix.phoneNumbers?.map((p) => p.value)).toEqual(['+15035550133', '+15035550134']);
  const zoho = await initAndDryRun('zoho.csv');
  expect(zoho.written.externalId).toEqual({ column: 'Record Id' });
  expect(zoho.byName('Chloe').body.defaultFields.emails).toEqual([
    { name: 'work', value: 'chloe@dunnflorals.example' },
  ]);
  expect(zoho.dropped).toEqual([expect.objectContaining({ column: 'Secondary Email', value: 'not-an-email' })]);
});

test('LinkedIn Connections.csv: the "Notes:" preamble is skipped, the header found on line 4', async () => {
  const r = await initAndDryRun('linkedin-connections.csv');
  expect(r.written.csv.headerLine).toBe(4);
  expect(r.written.externalId).toEqual({ column: 'URL' });
  expect(r.summary.counts).toMatchObject({ read: 3, valid: 3 });
  expect(r.payloads.map((p) => p.line)).toEqual([5, 6, 7]);
  // No phone column at all: init says these contacts arrive without a number, and the dry run counts them.
  expect(r.init.notes.join('\n')).toMatch(/WARNING: no column of this file holds phone numbers/);
  expect(r.summary.withoutPhone).toBe(3);
});

test('Google Contacts without a unique email: ids from names, company and first email; a company-only contact imported', async () => {
  const r = await initAndDryRun('google-mixed.csv');
  expect(r.written.externalId).toEqual({
    template: '{First Name}|{Last Name}|{Organization Name}|{E-mail 1 - Value}',
    allowEmpty: true,
  });
  expect(r.payloads.map((p) => p.externalId)).toEqual([
    'Ada|Lovelace|Analytical Engines|ada@engines.example',
    '||Acme Plumbing|',
    'Grace|Hopper||grace@navy.example',
    'Alan|Turing||',
    'Ada|Byron||ada@engines.example',
  ]);
  expect(r.payloads.every((p) => !p.externalId.includes(':::'))).toBe(true);
});

describe('init refuses what it cannot read, naming the format and the next step (exit 2)', () => {
  test.each([
    [
      'contacts.xlsx',
      Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml binary')]),
      /cannot be read as an Excel workbook \(\.xlsx\)[^]*unpack it/,
    ],
    ['contacts.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), /an old Excel workbook \(\.xls\)/],
    [
      'contacts.json',
      readFileSync(exportFile('contacts.json')),
      /is JSON, not a file this tool reads\nhint: convert it to CSV/,
    ],
  ])('%s', async (name, bytes, message) => {
    const input = join(dir(), name);
    writeFileSync(input, bytes);
    const r = await runCli(['init', '-i', input, '-o', join(dir(), 'out.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect([...r.stderr].some((ch) => ch.charCodeAt(0) <= 8)).toBe(false);
  });

  test('a CSV with no name, email or phone column: exit 2, and no config written', async () => {
    const input = join(dir(), 'orders.csv');
    writeFileSync(input, 'Order,Amount,Date\n1,10.00,2024-01-01\n2,12.50,2024-01-02\n');
    const r = await runCli(['init', '-i', input, '-o', join(dir(), 'out.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no column of this file is a name, company, email or phone column/);
  });
});

test('a failures.csv rerun with a Windows-1252 config sends exactly the original accents, and keeps where each row came from', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  // The German Outlook export with Lukas Schäfer's e-mail (the externalId column) missing: his row fails.
  const input = join(dir(), 'kontakte.csv');
  const original = iconv.decode(readFileSync(exportFile('outlook-de.csv')), 'windows-1252');
  writeFileSync(input, iconv.encode(original.replace('lukas@schaefer.example.de', ''), 'windows-1252'));
  const configFile = join(dir(), 'config.json');
  await initConfig({
    input: exportFile('outlook-de.csv'),
    out: configFile,
    force: false,
    baseUrl: sandbox.url,
    packageRoot: ROOT,
    log: silentLog,
  });
  const config = loadConfig(configFile);
  const stateDir = join(dir(), 'state');
  const run = (file: string) =>
    importJob({ config, input: file, stateDir, apiKey: sandbox.apiKey, baseUrl: sandbox.url, log: silentLog });
  expect((await run(input)).counts).toMatchObject({ created: 4, failed: 1 });

  const failuresPath = join(stateDir, 'failures.csv');
  const bytes = readFileSync(failuresPath);
  expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const text = bytes.toString('utf8');
  expect(text).toContain('Schäfer Logistik');
  const [row] = parse(text, { columns: true, bom: true, delimiter: ';' }) as Record<string, string>[];
  expect(row).toMatchObject({ _source_file: input, _source_line: '6', _error_code: 'EXTERNAL_ID_MISSING' });
  // Every report of a ";" export is written as failures.csv is: the BOM and ";", so German Excel opens each in columns.
  for (const report of [
    'created.csv',
    ...readdirSync(stateDir).filter((f) => /^(dropped-values|review|conflicts)\.csv$/.test(f)),
  ]) {
    const head = readFileSync(join(stateDir, report), 'utf8');
    expect([
      report,
      head.startsWith('\uFEFF'),
      head.split('\n')[0]!.includes(';'),
      head.split('\n')[0]!.includes(','),
    ]).toEqual([report, true, true, false]);
  }

  // Rerun unchanged: still failing, and the row still says where it first came from.
  expect((await run(failuresPath)).counts).toMatchObject({ failed: 1 });
  const [again] = parse(readFileSync(failuresPath, 'utf8'), { columns: true, bom: true, delimiter: ';' }) as Record<
    string,
    string
  >[];
  expect(again).toMatchObject({ _source_file: input, _source_line: '6', _error_line: '2' });

  // The user fixes the row in the report (as Excel would save it back: UTF-8, the BOM kept) and reruns it.
  const fixedPath = join(dir(), 'failures-fixed.csv');
  writeFileSync(fixedPath, text.replace(';0160 5551234;;;', ';0160 5551234;;lukas@schaefer.example.de;'));
  const rerun = await run(fixedPath);
  expect(rerun.counts).toMatchObject({ created: 1, failed: 0 });
  const lukas = sandbox.contacts().find((c) => c.externalId === 'lukas@schaefer.example.de')!;
  expect(lukas.defaultFields).toMatchObject({ firstName: 'Lukas', lastName: 'Schäfer', company: 'Schäfer Logistik' });
  expect(sandbox.contacts().find((c) => c.defaultFields.lastName === 'Groß')!.defaultFields.company).toBe(
    'Groß & Söhne GmbH',
  );
});

test('a row with bytes that are not UTF-8 keeps them in failures.csv: a rerun with the right csv.encoding reads the original characters', async () => {
  const input = join(dir(), 'export.csv');
  writeFileSync(
    input,
    Buffer.concat([
      Buffer.from('Id,First,Last,Email\n1,Ada,Lovelace,ada@example.com\n2,J'),
      Buffer.from([0xf6]),
      Buffer.from('rg,M'),
      Buffer.from([0xfc]),
      Buffer.from('ller,jorg@example.com\n'),
    ]),
  );
  const config = (encoding: string) => {
    const file = join(dir(), `config-${encoding}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        externalId: 'Id',
        defaultFields: { firstName: 'First', lastName: 'Last', emails: [{ name: 'work', column: 'Email' }] },
        csv: { encoding },
      }),
    );
    return loadConfig(file);
  };
  const first = await dryRun({ config: config('utf-8'), input, stateDir: join(dir(), 'a'), log: silentLog });
  expect(first.counts).toMatchObject({ valid: 1, failed: 1 });
  expect(first.problems).toEqual({ ENCODING_INVALID: 1 });
  const report = readFileSync(join(dir(), 'a', 'dry-run', 'failures.csv'));
  // The very bytes of the input, not U+FFFD.
  expect(
    report.includes(
      Buffer.concat([
        Buffer.from('2,J'),
        Buffer.from([0xf6]),
        Buffer.from('rg,M'),
        Buffer.from([0xfc]),
        Buffer.from('ller'),
      ]),
    ),
  ).toBe(true);
  expect(report.includes(Buffer.from('2,J\uFFFDrg'))).toBe(false);

  const reportPath = join(dir(), 'failures.csv');
  writeFileSync(reportPath, report);
  // The config still says UTF-8: the row fails again, its bytes still kept.
  const again = await dryRun({
    config: config('utf-8'),
    input: reportPath,
    stateDir: join(dir(), 'b'),
    log: silentLog,
  });
  expect(again.counts).toMatchObject({ failed: 1 });
  const againReport = readFileSync(join(dir(), 'b', 'dry-run', 'failures.csv'));
  expect(againReport.includes(Buffer.from([0x4a, 0xf6, 0x72, 0x67]))).toBe(true);
  // In a report, both causes are named: the export's encoding, or an app that saved the report again.
  expect(againReport.toString('latin1')).toMatch(
    /If the export is in another encoding, set csv\.encoding.*save it as ""CSV UTF-8""/,
  );
  // Fixed: windows-1252. The report's own text is UTF-8 (its BOM), the kept bytes are read as Windows-1252.
  const fixed = await dryRun({
    config: config('windows-1252'),
    input: reportPath,
    stateDir: join(dir(), 'c'),
    log: silentLog,
  });
  expect(fixed.counts).toMatchObject({ valid: 1, failed: 0 });
  const payload = JSON.parse(readFileSync(join(dir(), 'c', 'dry-run', 'payloads.jsonl'), 'utf8').trim()) as Payload;
  expect(payload.body.defaultFields).toMatchObject({ firstName: 'Jörg', lastName: 'Müller' });
});
