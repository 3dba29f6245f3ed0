import { copyFileSync, mkdirSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { detectDelimiter } from '../../src/csv/detect-delimiter.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLog } from '../../src/log.js';
import { dryRun } from '../../src/job/dry-run.js';
import { defaultStateDir } from '../../src/state/state-dir.js';
import { runCli } from '../helpers/cli.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { fixture } from '../helpers/paths.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { warningLog } from '../helpers/warnings.js';

const dir = useTempDir();

async function dry(input: string, configName = 'contacts.config.json') {
  const stateDir = join(dir(), 'state');
  const summary = await dryRun({ config: loadConfig(fixture(configName)), input, stateDir, log: silentLog });
  const failuresText = readFileSync(join(stateDir, 'dry-run', 'failures.csv'), 'utf8');
  const failures = parse(failuresText, {
    columns: true,
    delimiter: detectDelimiter(failuresText.split('\n')[0]!),
  }) as Record<string, string>[];
  const payloads = readFileSync(join(stateDir, 'dry-run', 'payloads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  expect(summary.invariant.holds).toBe(true);
  expect(summary.counts.read).toBe(summary.counts.valid + summary.counts.duplicate + summary.counts.failed);
  expect(payloads).toHaveLength(summary.counts.valid);
  expect(failures).toHaveLength(summary.counts.duplicate + summary.counts.failed);
  return { summary, failures, payloads, stateDir };
}
const lines = (rows: { line: number }[] | Record<string, string>[]) =>
  rows.map((r) => Number('line' in r ? r.line : (r as Record<string, string>)._error_line));

test('clean.csv: every record valid, exit 0', async () => {
  const { summary, payloads } = await dry(fixture('clean.csv'));
  expect(summary.counts).toMatchObject({ read: 10, valid: 10, duplicate: 0, failed: 0 });
  expect(summary.exitCode).toBe(0);
  expect(payloads[0]).toMatchObject({
    line: 2,
    externalId: '1001',
    body: {
      defaultFields: {
        firstName: 'Ada',
        phoneNumbers: [
          { name: 'mobile', value: '+14155550132' },
          { name: 'work', value: '+12125550187' },
        ],
      },
    },
  });
});

test('bad-values.csv: each bad record lands in failed or duplicate with its code and line', async () => {
  const { summary, failures } = await dry(fixture('bad-values.csv'));
  expect(summary.counts).toMatchObject({ read: 10, valid: 3, duplicate: 1, failed: 6 });
  expect(summary.exitCode).toBe(1);
  expect(failures.map((f) => [f._error_line, f._error_code])).toEqual([
    ['5', 'PHONE_INVALID'],
    ['6', 'EMAIL_INVALID'],
    ['7', 'DATE_INVALID'],
    ['8', 'EXTERNAL_ID_MISSING'],
    ['9', 'DUPLICATE_EXTERNAL_ID'],
    ['10', 'EMPTY_CONTACT'],
    ['11', 'BOOLEAN_INVALID'],
  ]);
  expect(summary.problems).toEqual({
    PHONE_INVALID: 1,
    EMAIL_INVALID: 1,
    DATE_INVALID: 1,
    EXTERNAL_ID_MISSING: 1,
    DUPLICATE_EXTERNAL_ID: 1,
    EMPTY_CONTACT: 1,
    BOOLEAN_INVALID: 1,
  });
  expect(failures[0]!._error_message).toMatch(/line 5, column "Mobile": found "123"/);
});

test('bom-crlf-multiline.csv: BOM, CRLF and a quoted line break', async () => {
  const { summary, payloads } = await dry(fixture('bom-crlf-multiline.csv'));
  expect(summary.counts).toMatchObject({ read: 4, valid: 4 });
  expect(lines(payloads)).toEqual([2, 4, 5, 6]);
  // The cell's line break as written (CRLF), not made LF with the rows' line ends.
  expect(payloads[0].body.defaultFields.company).toBe('Analytical\r\nEngines');
  expect(payloads[3].body.defaultFields.company).toBe('NASA "Langley"');
});

test('windows-1252-semicolon.csv with its encoding: accents intact, configured booleans', async () => {
  const { summary, payloads } = await dry(fixture('windows-1252-semicolon.csv'), 'windows-1252.config.json');
  expect(summary.counts).toMatchObject({ read: 3, valid: 3 });
  expect(payloads.map((p) => p.body.defaultFields.company)).toEqual(['Café Olé', 'Société Générale', 'Müller; Söhne']);
  expect(payloads[0].body.customFields).toContainEqual({ key: 'vip', value: true });
});

test('windows-1252-semicolon.csv read as UTF-8: every record with bad bytes fails naming line and column', async () => {
  const { summary, failures } = await dry(fixture('windows-1252-semicolon.csv'));
  expect(summary.counts).toMatchObject({ read: 3, valid: 0, failed: 3 });
  expect(failures[0]!._error_code).toContain('ENCODING_INVALID');
  expect(failures[0]!._error_message).toMatch(
    /line 2, column "First Name": found "Jos\uFFFD": bytes that are not valid utf-8/,
  );
});

test('utf16le-tab.csv', async () => {
  const { summary } = await dry(fixture('utf16le-tab.csv'));
  expect(summary.counts).toMatchObject({ read: 3, valid: 3 });
});

test('stray-quote.csv: the bad line fails, the rest are valid', async () => {
  const { summary, failures, payloads } = await dry(fixture('stray-quote.csv'));
  expect(summary.counts).toMatchObject({ read: 8, valid: 7, failed: 1 });
  expect(failures.map((f) => [f._error_line, f._error_code])).toEqual([['4', 'CSV_MALFORMED']]);
  expect(failures[0]!._error_raw).toBe('3001,"Stray,Quote,,,stray@example.com,,,,,,');
  expect(lines(payloads)).toEqual([2, 3, 5, 6, 7, 8, 9]);
});

test('failures.csv is valid input: a rerun reads it, ignores and rewrites the _error_ columns', async () => {
  const first = await dry(fixture('bad-values.csv'));
  const rerunInput = join(dir(), 'failures.csv');
  copyFileSync(join(first.stateDir, 'dry-run', 'failures.csv'), rerunInput);
  const second = await dry(rerunInput);
  // The duplicate's first record is not in failures.csv, so it stands alone now.
  expect(second.summary.counts).toMatchObject({ read: 7, valid: 1, duplicate: 0, failed: 6 });
  expect(Object.keys(second.failures[0]!)).toEqual(Object.keys(first.failures[0]!));
  expect(second.failures.map((f) => f._error_code)).toEqual([
    'PHONE_INVALID',
    'EMAIL_INVALID',
    'DATE_INVALID',
    'EXTERNAL_ID_MISSING',
    'EMPTY_CONTACT',
    'BOOLEAN_INVALID',
  ]);
  expect(second.failures.map((f) => f._error_line)).toEqual(['2', '3', '4', '5', '7', '8']);
  // Values come back exactly as read, so fixing a cell is the only change a user makes.
  const fixed = readFileSync(rerunInput, 'utf8').replace(',123,', ',(415) 555-0100,');
  writeFileSync(rerunInput, fixed);
  const third = await dry(rerunInput);
  expect(third.summary.counts.valid).toBe(2);
  expect(third.payloads[0].body.defaultFields.phoneNumbers).toEqual([{ name: 'mobile', value: '+14155550100' }]);
});

test('a config column missing from the header stops before anything is written', async () => {
  const input = join(dir(), 'renamed.csv');
  writeFileSync(
    input,
    readFileSync(fixture('clean.csv'), 'utf8').replace('First Name', 'Firstname').replace('Mobile', 'Mobile,Mobile'),
  );
  const stateDir = join(dir(), 'state');
  const run = dryRun({ config: loadConfig(fixture('contacts.config.json')), input, stateDir, log: silentLog });
  await expect(run).rejects.toMatchObject({ code: 'CSV_HEADER_MISMATCH', exitCode: 2 });
  await run.catch((err: Error) => {
    expect(err.message).toMatch(
      /defaultFields\.firstName: column "First Name" is not in the header \(did you mean "Firstname"\?\)/,
    );
    expect(err.message).toMatch(
      /defaultFields\.phoneNumbers\[0\]\.column: column "Mobile" appears 2 times in the header \(fields \d+, \d+\): name the one you mean by its place, "Mobile \(1\)" or "Mobile \(2\)"/,
    );
    expect(err.message).toMatch(/the header's columns: "Record ID", "Firstname"/);
  });
  expect(existsSync(stateDir)).toBe(false);
});

test('reports are private: state dir 0700, files 0600, also when they existed before', async () => {
  const first = await dry(fixture('clean.csv'));
  const reports = join(first.stateDir, 'dry-run');
  // Every report there before, written over (the folder's marker stays: it says the folder is this tool's).
  for (const f of readdirSync(reports)) {
    if (f !== '.openphone-import') writeFileSync(join(reports, f), 'old');
  }
  const { stateDir } = await dry(fixture('clean.csv'));
  expect(readdirSync(stateDir)).toEqual(['.openphone-import', 'dry-run']);
  for (const d of [stateDir, reports]) expect(statSync(d).mode & 0o777).toBe(0o700);
  for (const f of readdirSync(reports)) expect([f, statSync(join(reports, f)).mode & 0o777]).toEqual([f, 0o600]);
});

test('the default state dir is beside the input, or the job dir for any file in it (its failures.csv and review.csv, saved again under any name)', () => {
  expect(defaultStateDir('/data/contacts.csv')).toBe('/data/contacts.openphone-import');
  const stateDir = join(dir(), 'contacts.openphone-import');
  writeFileSync(join(dir(), 'x'), '');
  expect(defaultStateDir(join(stateDir, 'failures.csv'))).toBe(join(stateDir, 'failures.openphone-import'));
  // Once it is a job's state directory (it has a summary), its failures.csv belongs to that job.
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, 'summary.json'), '{}');
  expect(defaultStateDir(join(stateDir, 'failures.csv'))).toBe(stateDir);
  // Its review.csv with a person's decisions too: a run of it without --state-dir is a run of that job.
  expect(defaultStateDir(join(stateDir, 'review.csv'))).toBe(stateDir);
  // A dry run's failures.csv belongs to the job whose dry-run/ it is in.
  mkdirSync(join(stateDir, 'dry-run'), { recursive: true });
  writeFileSync(join(stateDir, 'dry-run', 'summary.json'), '{}');
  expect(defaultStateDir(join(stateDir, 'dry-run', 'failures.csv'))).toBe(stateDir);
  // Saved again under another name, or as a workbook, beside the report: still that job's rows.
  expect(defaultStateDir(join(stateDir, 'failures-fixed.csv'))).toBe(stateDir);
  expect(defaultStateDir(join(stateDir, 'failures.xlsx'))).toBe(stateDir);
  expect(defaultStateDir(join(stateDir, 'dry-run', 'failures (2).csv'))).toBe(stateDir);
  // A job folder with a journal and no summary yet (its first run was stopped) is the job's too.
  const stopped = join(dir(), 'stopped.openphone-import');
  mkdirSync(stopped);
  writeFileSync(join(stopped, 'journal.jsonl'), '');
  expect(defaultStateDir(join(stopped, 'failures-fixed.csv'))).toBe(stopped);
});

describe('the CLI', () => {
  test('dry run: exit 1 when some records failed, summary on stdout', async () => {
    const r = await runCli([
      'run',
      '--config',
      fixture('contacts.config.json'),
      '--input',
      fixture('bad-values.csv'),
      '--dry-run',
      '--state-dir',
      join(dir(), 's'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/10 records read/);
    expect(r.stdout).toMatch(/would create 3, duplicate 1, failed 6/);
  });
  test('dry run: exit 0 when all are valid', async () => {
    const r = await runCli([
      'run',
      '-c',
      fixture('contacts.config.json'),
      '-i',
      fixture('clean.csv'),
      '--dry-run',
      '--state-dir',
      join(dir(), 's'),
    ]);
    expect(r.code).toBe(0);
  });
  test('config error: exit 2, the message names the path, nothing written', async () => {
    const bad = join(dir(), 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ externalId: 'Record ID', defaultFields: { firstName: 'First Name' }, sorce: 'x' }),
    );
    const r = await runCli([
      'run',
      '-c',
      bad,
      '-i',
      fixture('clean.csv'),
      '--dry-run',
      '--state-dir',
      join(dir(), 's'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: sorce: unknown key \(did you mean "source"\?\)/);
    expect(existsSync(join(dir(), 's'))).toBe(false);
  });
  test('usage error: exit 2', async () => {
    const r = await runCli(['run', '--input', fixture('clean.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config/);
  });
});

test('a large file with valid, failed, duplicate, malformed and undecodable records: the CLI and the in-process dry run give the same reports byte for byte', async () => {
  const input = join(dir(), 'large.csv');
  writeContactsFile(input, 14_000);
  // Among the valid, failed and duplicate records: malformed ones and bytes that are not UTF-8.
  const lines = readFileSync(input).toString('latin1').split('\n');
  for (const at of [3_000, 7_000, 11_000]) lines.splice(at, 0, 'only,three,fields');
  lines.splice(9_000, 0, 'bad-bytes,J\xf6rg,Smith,,jorg@example.com,+14155550100,yes,03/15/2024');
  writeFileSync(input, Buffer.from(lines.join('\n'), 'latin1'));
  const configFile = join(dir(), 'config.json');
  writeFileSync(configFile, JSON.stringify(importConfig()));

  const oneThread = join(dir(), 'in-process');
  const summary = await dryRun({ config: loadConfig(configFile), input, stateDir: oneThread, log: silentLog });
  expect(summary.counts).toMatchObject({ read: 14_004, duplicate: 280 });
  expect(summary.counts.failed).toBeGreaterThan(1_900);
  expect(summary.invariant.holds).toBe(true);
  expect(summary.counts.read).toBe(summary.counts.valid + summary.counts.duplicate + summary.counts.failed);
  const twoThreads = join(dir(), 'cli');
  const r = await runCli(['run', '-c', configFile, '-i', input, '--dry-run', '--state-dir', twoThreads]);
  expect(r.code).toBe(1);
  for (const report of ['payloads.jsonl', 'failures.csv']) {
    expect(readFileSync(join(twoThreads, 'dry-run', report), 'utf8')).toBe(
      readFileSync(join(oneThread, 'dry-run', report), 'utf8'),
    );
  }
  expect(JSON.parse(readFileSync(join(twoThreads, 'dry-run', 'summary.json'), 'utf8')).counts).toEqual(summary.counts);
});

test('no phone.defaultCountry: the summary says how many numbers left out look North American and the config line that keeps them; contacts without a phone are a headline', async () => {
  const { formatSummary } = await import('../../src/report/summary.js');
  const input = join(dir(), 'us-national.csv');
  writeFileSync(
    input,
    [
      'Id,Name,Phone',
      '1,Ada,(425) 555-0100',
      '2,Grace,425-555-0101',
      '3,Alan,+44 20 7946 0958',
      '4,Kate,(206) 555-0102',
      '5,Mary,',
      '6,Joan,12',
    ].join('\n'),
  );
  const configPath = join(dir(), 'no-country.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      externalId: 'Id',
      source: 'test-import',
      defaultFields: { firstName: 'Name', phoneNumbers: [{ name: 'work', column: 'Phone' }] },
    }),
  );
  const summary = await dryRun({
    config: loadConfig(configPath),
    input,
    stateDir: join(dir(), 'nc-state'),
    log: silentLog,
  });
  expect(summary.phonesLeftOut).toEqual({ total: 4, byFormat: { US: 3 } });
  expect(summary.withoutPhone).toBe(5);
  const text = formatSummary(summary);
  expect(text).toMatch(
    /3 of the 4 phone numbers left out are in North American format, \(415\) 555-0199: set "phone": \{"defaultCountry": "US"\} in the config/,
  );
  expect(text).toMatch(/without a phone number: 5 of the contacts that would be imported/);
});

test('--require-phone: a record left with no phone number fails (PHONE_MISSING), its bad number listed beside it; the next commands carry the flag', async () => {
  const input = join(dir(), 'phones.csv');
  writeFileSync(input, ['Id,Name,Phone', '1,Ada,+1 415 555 0132', '2,Grace,', '3,Alan,12'].join('\n'));
  const configPath = join(dir(), 'require.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      externalId: 'Id',
      source: 'test-import',
      defaultFields: { firstName: 'Name', phoneNumbers: [{ name: 'work', column: 'Phone' }] },
      phone: { defaultCountry: 'US' },
    }),
  );
  const stateDir = join(dir(), 'rp-state');
  const r = await runCli([
    'run',
    '--config',
    configPath,
    '--input',
    input,
    '--state-dir',
    stateDir,
    '--dry-run',
    '--require-phone',
  ]);
  expect(r.code).toBe(1);
  const failures = parse(readFileSync(join(stateDir, 'dry-run', 'failures.csv'), 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  expect(failures.map((f) => [f._error_line, f._error_code])).toEqual([
    ['3', 'PHONE_MISSING'],
    ['4', 'PHONE_MISSING PHONE_INVALID'],
  ]);
  expect(r.stdout).toMatch(/--dry-run --require-phone|--require-phone --dry-run/);
  expect(r.stdout).toMatch(/next, import.*--require-phone/);
});

test('a dry-run failures.csv the person edited is never written over: the next dry run of the export keeps it under a name that says so, and says where', async () => {
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 30);
  const config = join(dir(), 'config.json');
  writeFileSync(config, JSON.stringify(importConfig()));
  const stateDir = join(dir(), 'state');
  const run = async () => {
    const { log, warnings } = warningLog();
    await dryRun({ config: loadConfig(config), input, stateDir, log });
    return warnings;
  };
  await run();
  const failures = join(stateDir, 'dry-run', 'failures.csv');
  // Untouched, it is simply the next run's.
  expect(await run()).toEqual([]);
  expect(readdirSync(join(stateDir, 'dry-run')).filter((f) => f.includes('.edited-'))).toEqual([]);
  // The person fixes a row in it; then runs the dry run of the export once more, not of the fixed file.
  const edited = readFileSync(failures, 'utf8').replace('not-an-email', 'fixed@example.com');
  writeFileSync(failures, edited);
  const warnings = await run();
  const kept = readdirSync(join(stateDir, 'dry-run')).filter((f) => /^failures\.edited-.*\.csv$/.test(f));
  expect(kept).toHaveLength(1);
  expect(readFileSync(join(stateDir, 'dry-run', kept[0]!), 'utf8')).toBe(edited);
  expect(warnings).toEqual([{ code: 'EDITED_REPORT_KEPT', message: expect.stringContaining(kept[0]!) as string }]);
  expect(readFileSync(failures, 'utf8')).not.toBe(edited);
});
