import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config/load.js';
import { dryRun } from '../../src/job/dry-run.js';
import { silentLog } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { writeWorkbook } from '../helpers/workbook.js';

const dir = useTempDir();

async function dry(input: string, config: object, name = 'run') {
  const configPath = join(dir(), `${name}.config.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const stateDir = join(dir(), `${name}-state`);
  const summary = await dryRun({ config: loadConfig(configPath), input, stateDir, log: silentLog });
  const payloads = readFileSync(join(stateDir, 'dry-run', 'payloads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; body: unknown });
  const failuresPath = join(stateDir, 'dry-run', 'failures.csv');
  const failures = parse(readFileSync(failuresPath, 'utf8'), { columns: true }) as Record<string, string>[];
  return { summary, payloads, failures, failuresPath, configPath };
}

test('an .xlsx of the same 400 contacts as a CSV gives the same payloads, the same failures and the same lines', async () => {
  const csv = join(dir(), 'contacts.csv');
  writeContactsFile(csv, 400);
  const rows = parse(readFileSync(csv, 'utf8')) as string[][];
  const xlsx = join(dir(), 'contacts.xlsx');
  await writeWorkbook(xlsx, { Contacts: rows });
  const fromCsv = await dry(csv, importConfig(), 'csv');
  const fromXlsx = await dry(xlsx, importConfig(), 'xlsx');
  expect(fromXlsx.summary.counts).toEqual(fromCsv.summary.counts);
  expect(fromXlsx.payloads).toEqual(fromCsv.payloads);
  expect(fromXlsx.payloads).toHaveLength(fromCsv.summary.counts.valid);
  expect(fromXlsx.failures.map((f) => [f._error_line, f._error_code])).toEqual(
    fromCsv.failures.map((f) => [f._error_line, f._error_code]),
  );
});

test('cells as Excel stores them: a date cell is a date, a formula its cached value, a number cell in a phone column is reported (never guessed), title rows above the header, the sheet by name', async () => {
  const xlsx = join(dir(), 'typed.xlsx');
  const header = ['Record ID', 'First Name', 'Email', 'Mobile', 'Signed Up', 'Score'];
  await writeWorkbook(xlsx, {
    Summary: [['not this sheet']],
    'CRM Export': [
      ['Contacts report'],
      ['Generated 2024-03-15'],
      header,
      [
        1001,
        'Ada',
        'ada@example.com',
        '+1 415 555 0132',
        new Date(Date.UTC(2024, 2, 15)),
        { formula: '2*21', result: 42 },
      ],
      [1002, 'Grace', 'grace@example.com', 4915112345678, new Date(Date.UTC(2023, 11, 9, 9, 30)), 7.5],
      [1003, 'Alan', 'alan@example.com', '(212) 555-0187', '', ''],
    ],
  });
  const config = {
    externalId: 'Record ID',
    source: 'test-import',
    defaultFields: {
      firstName: 'First Name',
      emails: [{ name: 'work', column: 'Email' }],
      phoneNumbers: [{ name: 'mobile', column: 'Mobile' }],
    },
    customFields: [
      { key: 'signup', type: 'date', column: 'Signed Up' },
      { key: 'score', type: 'number', column: 'Score' },
    ],
    phone: { defaultCountry: 'US' },
    csv: { headerLine: 3, sheet: 'crm export' },
  };
  const { summary, payloads } = await dry(xlsx, config);
  expect(summary.counts).toMatchObject({ read: 3, valid: 3, failed: 0 });
  expect(payloads.map((p) => p.line)).toEqual([4, 5, 6]);
  const bodies = payloads.map(
    (p) =>
      p.body as {
        externalId: string;
        defaultFields: { phoneNumbers?: { value: string }[] };
        customFields?: { key: string; value: unknown }[];
      },
  );
  // A number cell's id reads as it shows, with no ".0".
  expect(bodies.map((b) => b.externalId)).toEqual(['1001', '1002', '1003']);
  expect(bodies[0]!.customFields).toEqual([
    { key: 'signup', value: '2024-03-15T00:00:00.000Z' },
    { key: 'score', value: 42 },
  ]);
  expect(bodies[1]!.customFields).toEqual([
    { key: 'signup', value: '2023-12-09T09:30:00.000Z' },
    { key: 'score', value: 7.5 },
  ]);
  // The phone stored as a number is left out and reported with its column (invalidValues "drop"), the rest of Grace imported.
  expect(bodies[1]!.defaultFields.phoneNumbers).toBeUndefined();
  const dropped = parse(readFileSync(join(dir(), 'run-state', 'dry-run', 'dropped-values.csv'), 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  expect(dropped).toEqual([
    expect.objectContaining({
      line: '5',
      column: 'Mobile',
      value: '4915112345678',
      code: 'PHONE_NUMBER_CELL',
      why: expect.stringMatching(/could be \+4915112345678 or 04915112345678/),
    }),
  ]);
});

test("a value right of the header's last column is a malformed record naming its cell; failures.csv of a workbook is re-run as it is, once fixed", async () => {
  const xlsx = join(dir(), 'extra.xlsx');
  await writeWorkbook(xlsx, {
    Sheet1: [
      ['Record ID', 'First Name', 'Email'],
      ['1', 'Ada', 'ada@example.com'],
      ['2', 'Grace', 'grace@example', '', 'a stray note'],
      ['3', 'Alan', 'not-an-email'],
    ],
  });
  const config = {
    externalId: 'Record ID',
    source: 'test-import',
    invalidValues: 'fail',
    defaultFields: { firstName: 'First Name', emails: [{ name: 'work', column: 'Email' }] },
  };
  const first = await dry(xlsx, config);
  expect(first.failures.map((f) => [f._error_line, f._error_code])).toEqual([
    ['3', 'CSV_MALFORMED'],
    ['4', 'EMAIL_INVALID'],
  ]);
  expect(first.failures[0]!._error_message).toMatch(/cell E3, right of the header's last column \(C\)/);
  // Fixed in failures.csv (another file: the report is never written over), then dry-run again.
  const fixed = readFileSync(first.failuresPath, 'utf8')
    .replace('grace@example,', 'grace@example.com,')
    .replace('not-an-email', 'alan@example.com');
  const fixedPath = join(dir(), 'fixed.csv');
  writeFileSync(fixedPath, fixed);
  const second = await dry(fixedPath, config, 'rerun');
  expect(second.summary.counts).toMatchObject({ read: 2, valid: 2, failed: 0 });
  expect(second.payloads.map((p) => (p.body as { externalId: string }).externalId)).toEqual(['2', '3']);
});

test("failures.csv saved as a workbook (Excel's Save As .xlsx): its guarded cells ('+1…, '=…) read back as the export had them", async () => {
  const csv = join(dir(), 'export.csv');
  writeFileSync(csv, 'Record ID,First Name,Company,Mobile\n,Ada,=Analytical,+1 415 555 0101\n');
  const config = {
    externalId: 'Record ID',
    source: 'test-import',
    defaultFields: {
      firstName: 'First Name',
      company: 'Company',
      phoneNumbers: [{ name: 'mobile', column: 'Mobile' }],
    },
  };
  const first = await dry(csv, config);
  expect(first.failures).toHaveLength(1);
  const rows = parse(readFileSync(first.failuresPath, 'utf8'), { bom: true }) as string[][];
  expect(rows[1]!.slice(0, 4)).toEqual(['', 'Ada', "'=Analytical", "'+1 415 555 0101"]);
  // Opened in Excel, the id filled in, saved as a workbook: every cell the text Excel showed, the apostrophe too.
  rows[1]![0] = '7';
  const xlsx = join(dir(), 'failures.xlsx');
  await writeWorkbook(xlsx, { failures: rows });
  const rerun = await dry(xlsx, config, 'rerun');
  expect(rerun.summary.counts).toMatchObject({ read: 1, valid: 1, failed: 0 });
  expect(rerun.payloads[0]!.body).toMatchObject({
    externalId: '7',
    defaultFields: {
      firstName: 'Ada',
      company: '=Analytical',
      phoneNumbers: [{ name: 'mobile', value: '+14155550101' }],
    },
  });
});

test('a sheet that is not there, an .xls or a workbook with a password: exit 2, each with the way out', async () => {
  const xlsx = join(dir(), 'one.xlsx');
  await writeWorkbook(xlsx, {
    People: [
      ['Record ID', 'First Name'],
      ['1', 'Ada'],
    ],
  });
  const config = join(dir(), 'c.json');
  writeFileSync(
    config,
    JSON.stringify({
      externalId: 'Record ID',
      source: 'test-import',
      defaultFields: { firstName: 'First Name' },
      csv: { sheet: 'Contacts' },
    }),
  );
  const missing = await runCli([
    'run',
    '--config',
    config,
    '--input',
    xlsx,
    '--dry-run',
    '--state-dir',
    join(dir(), 's1'),
  ]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/csv\.sheet: found "Contacts": .*its sheets are "People"/);
  // A first run refused at its input leaves no state directory, though a workbook's sheets are parked in one while it is read.
  expect(existsSync(join(dir(), 's1'))).toBe(false);
  const otherColumns = join(dir(), 'other.json');
  writeFileSync(
    otherColumns,
    JSON.stringify({ externalId: 'Record ID', source: 'test-import', defaultFields: { firstName: 'Given Name' } }),
  );
  const header = await runCli(['run', '--config', otherColumns, '--input', xlsx, '--state-dir', join(dir(), 's3')], {
    OPENPHONE_API_KEY: 'k',
  });
  expect(header.code).toBe(2);
  expect(header.stderr).toMatch(/column "Given Name" is not in the header/);
  expect(existsSync(join(dir(), 's3'))).toBe(false);
  // An OLE compound file: what .xls is, and what Excel makes of an .xlsx with a password.
  const xls = join(dir(), 'old.xls');
  writeFileSync(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
  const old = await runCli(['run', '--config', config, '--input', xls, '--dry-run', '--state-dir', join(dir(), 's2')]);
  expect(old.code).toBe(2);
  expect(old.stderr).toMatch(
    /an old Excel workbook \(\.xls\), or a workbook protected by a password, not a file this tool reads\nhint: open it in Excel and save it as an Excel Workbook \(\.xlsx\) without a password/,
  );
});

test('init on a workbook: the header below title rows, no delimiter or encoding written, phone cells stored as numbers named before anything runs', async () => {
  const xlsx = join(dir(), 'hubspot.xlsx');
  await writeWorkbook(xlsx, {
    Contacts: [
      ['HubSpot contacts export'],
      ['Record ID', 'First Name', 'Last Name', 'Email', 'Phone Number'],
      ...Array.from({ length: 20 }, (_, i) => [
        String(100 + i),
        `First${i}`,
        `Last${i}`,
        `u${i}@example.com`,
        i % 4 === 0 ? 14155550100 + i : `+1 415 555 ${String(200 + i).padStart(4, '0')}`,
      ]),
    ],
  });
  const out = join(dir(), 'init.config.json');
  const r = await runCli(['init', '--input', xlsx, '--out', out]);
  expect(r.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8')) as {
    externalId: unknown;
    csv?: Record<string, unknown>;
    defaultFields: { phoneNumbers?: { column: string }[] };
  };
  expect(config.csv).toEqual({ headerLine: 2 });
  expect(config.externalId).toEqual({ column: 'Record ID' });
  expect(config.defaultFields.phoneNumbers?.[0]?.column).toBe('Phone Number');
  expect(r.stdout + r.stderr).toMatch(
    /phone cells stored as numbers in the workbook.*"Phone Number" \(5 in the sample\)/,
  );
  // The sample's conversions show what will be sent, and a number cell's is not; a workbook has no delimiter to print.
  expect(r.stdout).toMatch(/14155550100 → not sent: a number cell \(PHONE_NUMBER_CELL\)/);
  expect(r.stdout).not.toContain('csv.delimiter');
});

test('a formula cell with no computed value (a workbook a program wrote) is reported, cell by cell, never an empty value in silence', async () => {
  const xlsx = join(dir(), 'formulas.xlsx');
  const header = ['Record ID', 'First Name', 'Company', 'Email', 'Notes'];
  await writeWorkbook(xlsx, {
    Contacts: [
      header,
      [1001, 'Ada', { formula: 'UPPER("acme")' }, 'ada@example.com', { formula: '1+1' }],
      [1002, 'Grace', { formula: 'UPPER("navy")', result: 'NAVY' }, 'grace@example.com', ''],
      [1003, 'Alan', 'Bletchley', 'alan@example.com', ''],
    ],
  });
  const config = {
    externalId: 'Record ID',
    source: 'test-import',
    defaultFields: { firstName: 'First Name', company: 'Company', emails: [{ column: 'Email', name: 'work' }] },
  };
  const { summary, payloads } = await dry(xlsx, config, 'formulas');
  // Left out and reported (invalidValues "drop", the default): the company in C2; Notes (E2) is no column of the config.
  expect(summary.droppedValues).toEqual({ FORMULA_WITHOUT_VALUE: 1 });
  expect(summary.problemGroups).toEqual([
    expect.objectContaining({
      code: 'FORMULA_WITHOUT_VALUE',
      column: 'Company',
      count: 1,
      examples: [
        expect.objectContaining({
          line: 2,
          message: expect.stringMatching(
            /cell C2 holds a formula with no computed value.*open the workbook in Excel and save it, or export it as CSV/,
          ),
        }),
      ],
    }),
  ]);
  expect(payloads.map((p) => (p.body as { defaultFields: { company?: string } }).defaultFields.company)).toEqual([
    undefined,
    'NAVY',
    'Bletchley',
  ]);
  // invalidValues "fail": the record fails, naming the cell.
  const failing = await dry(xlsx, { ...config, invalidValues: 'fail' }, 'formulas-fail');
  expect(failing.summary.counts).toMatchObject({ valid: 2, failed: 1 });
  expect(failing.failures[0]).toMatchObject({ _error_code: 'FORMULA_WITHOUT_VALUE', _error_line: '2' });
});

test('a whole North American number stored as a number cell is that number; one that lost a + or a 0 is still reported', async () => {
  const xlsx = join(dir(), 'us-numbers.xlsx');
  await writeWorkbook(xlsx, {
    Contacts: [
      ['Record ID', 'First Name', 'Mobile', 'Country'],
      [1001, 'Ada', 9175552003, 'USA'],
      [1002, 'Grace', 4915112345678, 'Germany'],
      [1003, 'Alan', 2125550187, 'Deutschland'],
    ],
  });
  const config = {
    externalId: 'Record ID',
    source: 'test-import',
    defaultFields: { firstName: 'First Name', phoneNumbers: [{ column: 'Mobile', name: 'mobile' }] },
    phone: { countryColumn: 'Country' },
  };
  const { summary, payloads } = await dry(xlsx, config, 'us');
  expect(
    payloads.map((p) =>
      (p.body as { defaultFields: { phoneNumbers?: { value: string }[] } }).defaultFields.phoneNumbers?.map(
        (n) => n.value,
      ),
    ),
  ).toEqual([['+19175552003'], undefined, undefined]);
  expect(summary.droppedValues).toEqual({ PHONE_NUMBER_CELL: 2 });
});

/** A zip whose directory declares these parts and sizes (their data is a few bytes: only the declared sizes are read). */
function zipDeclaring(parts: { name: string; size: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(2, 18); // compressed size: 2 bytes of data
    local.writeUInt32LE(p.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(2, 20);
    central.writeUInt32LE(p.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from('<x'));
    centrals.push(central, name);
    offset += 30 + name.length + 2;
  }
  const dir = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(dir.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, eocd]);
}

test('a workbook whose zip declares a bloated shared-strings part, or more than 1 GiB in all, is refused before a byte is unpacked, with the way out', async () => {
  const { zipParts } = await import('../../src/input/zip-bounds.js');
  // The check reads real workbooks' directories: exceljs's own.
  const real = join(dir(), 'real.xlsx');
  await writeWorkbook(real, {
    Contacts: [
      ['Record ID', 'First Name'],
      [1, 'Ada'],
    ],
  });
  expect(zipParts(real)!.map((p) => p.name)).toEqual(
    expect.arrayContaining(['xl/workbook.xml', 'xl/worksheets/sheet1.xml']),
  );
  const config = join(dir(), 'c.json');
  writeFileSync(
    config,
    JSON.stringify({ externalId: 'Record ID', source: 'test-import', defaultFields: { firstName: 'First Name' } }),
  );
  for (const [name, parts, why] of [
    [
      'strings.xlsx',
      [
        { name: '[Content_Types].xml', size: 1000 },
        { name: 'xl/sharedStrings.xml', size: 300 * 1024 * 1024 },
      ],
      /its shared strings unpack to 300 MiB \(more than 256 MiB\)/,
    ],
    [
      'huge.xlsx',
      [
        { name: 'xl/worksheets/sheet1.xml', size: 4000 * 1024 * 1024 },
        { name: 'xl/worksheets/sheet2.xml', size: 100 * 1024 * 1024 },
      ],
      /it unpacks to 4100 MiB \(more than 1024 MiB\)/,
    ],
  ] as const) {
    const xlsx = join(dir(), name);
    writeFileSync(xlsx, zipDeclaring([...parts]));
    const r = await runCli(['run', '--dry-run', '-c', config, '-i', xlsx, '--state-dir', join(dir(), `${name}-state`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toMatch(/hint: save the sheet as CSV UTF-8/);
  }
});

test('a sheet cut short (a copy that stopped, a program that did not finish) is refused, not read as fewer rows or as an empty first row', async () => {
  const { default: JSZip } = await import('jszip');
  const whole = join(dir(), 'whole.xlsx');
  await writeWorkbook(whole, {
    Contacts: [['Record ID', 'First Name'], ...Array.from({ length: 50 }, (_, i) => [i + 1, `Ada ${i}`])],
  });
  const config = join(dir(), 'c.json');
  writeFileSync(
    config,
    JSON.stringify({ externalId: 'Record ID', source: 'test-import', defaultFields: { firstName: 'First Name' } }),
  );
  const zip = await JSZip.loadAsync(readFileSync(whole));
  const xml = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
  for (const [name, keep] of [
    ['half.xlsx', Math.floor(xml.length / 2)],
    ['early.xlsx', 200],
  ] as const) {
    zip.file('xl/worksheets/sheet1.xml', xml.slice(0, keep));
    const cut = join(dir(), name);
    writeFileSync(cut, await zip.generateAsync({ type: 'nodebuffer' }));
    const r = await runCli(['run', '--dry-run', '-c', config, '-i', cut, '--state-dir', join(dir(), `${name}-state`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/its sheet xl\/worksheets\/sheet1\.xml is cut short .*rows past the cut would be lost/);
    expect(r.stderr).not.toMatch(/first row is empty/);
  }
  const ok = await runCli(['run', '--dry-run', '-c', config, '-i', whole, '--state-dir', join(dir(), 'whole-state')]);
  expect(ok.stdout).toMatch(/50 records read/);
});

test('a sheet stored before its shared strings is parked inside the state directory, never the OS temp folder; after a kill -9 the next run removes it', async () => {
  const { killCliWhen } = await import('../helpers/cli.js');
  const { acquireRunLock } = await import('../../src/state/run-lock.js');
  const { mkdirSync, readdirSync, existsSync } = await import('node:fs');
  // exceljs writes the sheet before the shared strings, as some programs do: its reader parks the sheet in a temp file.
  const xlsx = join(dir(), 'big.xlsx');
  await writeWorkbook(xlsx, {
    Contacts: [
      ['Record ID', 'First Name', 'Email'],
      ...Array.from({ length: 30_000 }, (_, i) => [i + 1, `Ada ${i}`, `ada${i}@example.com`]),
    ],
  });
  const config = join(dir(), 'c.json');
  writeFileSync(
    config,
    JSON.stringify({
      externalId: 'Record ID',
      source: 'test-import',
      defaultFields: { firstName: 'First Name', emails: [{ column: 'Email', name: 'work' }] },
    }),
  );
  const osTemp = join(dir(), 'os-temp');
  mkdirSync(osTemp);
  const state = join(dir(), 'state');
  const parked = () =>
    existsSync(join(state, 'tmp'))
      ? readdirSync(join(state, 'tmp')).flatMap((pid) => readdirSync(join(state, 'tmp', pid)))
      : [];
  await killCliWhen(
    ['run', '--dry-run', '-c', config, '-i', xlsx, '--state-dir', state],
    { TMPDIR: osTemp },
    () => parked().length > 0,
  );
  expect(parked().length).toBeGreaterThan(0);
  expect(readdirSync(osTemp)).toEqual([]);
  // The next run that takes the lock removes what the killed one left.
  acquireRunLock(state, silentLog)();
  expect(readdirSync(join(state, 'tmp'))).toEqual([]);
  // A run to its end leaves nothing behind either.
  const r = await runCli(['run', '--dry-run', '-c', config, '-i', xlsx, '--state-dir', state], { TMPDIR: osTemp });
  expect(r.stdout).toMatch(/30000 records read/);
  expect(readdirSync(join(state, 'tmp'))).toEqual([]);
  expect(readdirSync(osTemp)).toEqual([]);
}, 60_000);

test("a footer row of a workbook is shown as a person sees it, without the empty cells of the sheet's width", async () => {
  const xlsx = join(dir(), 'footer.xlsx');
  await writeWorkbook(xlsx, {
    Contacts: [
      ['Record ID', 'First Name', 'Email', 'Mobile'],
      [1001, 'Ada', 'ada@example.com', '+14155550101'],
      [],
      ['Grand Totals (1 records)'],
    ],
  });
  const { summary } = await dry(
    xlsx,
    { externalId: 'Record ID', source: 'test-import', defaultFields: { firstName: 'First Name' } },
    'footer',
  );
  expect(summary.counts).toMatchObject({ valid: 1 });
  expect(summary.ignoredLines?.map((l) => l.text)).toContain('Grand Totals (1 records)');
});

test('a header row copied again under the rows of a workbook is ignored, not imported as a contact', async () => {
  const xlsx = join(dir(), 'header-again.xlsx');
  const header = ['Record ID', 'First Name', 'Email', 'Mobile'];
  await writeWorkbook(xlsx, {
    Contacts: [header, [1001, 'Ada', 'ada@example.com', '+14155550101'], header, [1002, 'Grace', 'g@example.com', '']],
  });
  const { summary } = await dry(
    xlsx,
    { externalId: 'Record ID', source: 'test-import', defaultFields: { firstName: 'First Name' } },
    'header-again',
  );
  expect(summary.counts).toMatchObject({ read: 3, valid: 2, ignored: 1 });
  expect(summary.ignoredLines?.map((l) => l.line)).toEqual([3]);
});
