import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

/** The workspace's users: the owners the exports name (their owner column maps to createdByUserId). */
const USERS = [
  { id: 'USsandbox0001', email: 'admin@acme.example', firstName: 'Admin', lastName: 'Acme', role: 'owner' },
  { id: 'USsam', email: 'sam@acme.example', firstName: 'Sam', lastName: 'Sales', role: 'member' },
  { id: 'USpat', email: 'pat@acme.example', firstName: 'Pat', lastName: 'Rep', role: 'member' },
];

/** init on an export, then an import into the sandbox with the config exactly as written. */
async function initAndImport(name: string, withKey: boolean) {
  const sandbox = await startSandbox({ rate: 0, users: USERS });
  const out = join(dir(), `${name}.json`);
  const env = withKey ? { OPENPHONE_API_KEY: sandbox.apiKey } : { OPENPHONE_API_KEY: '' };
  const init = await runCli(['init', '-i', fixture(`${name}.csv`), '-o', out, '--base-url', sandbox.url], env);
  expect(init.code).toBe(0);
  expect(() => loadConfig(out)).not.toThrow();
  const run = await runCli(
    ['run', '-c', out, '-i', fixture(`${name}.csv`), '--state-dir', join(dir(), 'state'), '--base-url', sandbox.url],
    { OPENPHONE_API_KEY: sandbox.apiKey },
  );
  // The config init wrote matches existing contacts: the run says it lists the workspace, and nothing worse.
  expect(run.stderr).not.toMatch(/^(warning|error)/m);
  expect(run.code).toBe(0);
  return { init, config: JSON.parse(readFileSync(out, 'utf8')), contacts: sandbox.contacts() };
}

test('Google Contacts export: labels from the Label columns, " ::: " multi-values split, the email as id', async () => {
  const { init, config, contacts } = await initAndImport('google-contacts', false);
  expect(config.externalId).toEqual({ column: 'E-mail 1 - Value' });
  expect(init.stdout).toMatch(/externalId: column "E-mail 1 - Value": the export has no id column/);
  expect(init.stdout).toMatch(
    /phone\.defaultCountry: US \(sure\): \d+ of the \d+ numbers written without \+country code are in North American format/,
  );
  expect(init.stdout).toMatch(/\(415\) 555-0199 → \+1 415 555 0199 \(US\)/);
  expect(init.stdout).toMatch(/left unmapped: .*"Birthday"/);
  expect(contacts).toHaveLength(8);
  const ada = contacts.find((c) => c.externalId === 'ada@engines.example')!;
  expect(ada.defaultFields).toMatchObject({
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines Ltd',
    role: 'Founder',
    // Each record's own labels name its values (Google's "E-mail 1 - Label", "Phone 1 - Label"), as written.
    emails: [
      { name: 'Work', value: 'ada@engines.example' },
      { name: 'Home', value: 'ada.home@example.org' },
    ].map((e) => expect.objectContaining(e)),
    phoneNumbers: [
      { name: 'Mobile', value: '+442079460958' },
      { name: 'Mobile', value: '+14155550132' },
    ].map((p) => expect.objectContaining(p)),
  });
});

test('Outlook export: "Title" (Mr./Ms.) is not the role, empty phone columns left out', async () => {
  const { init, config, contacts } = await initAndImport('outlook', false);
  expect(config.defaultFields.role).toBe('Job Title');
  expect(config.defaultFields.phoneNumbers.map((p: { column: string }) => p.column)).toEqual([
    'Mobile Phone',
    'Business Phone',
  ]);
  expect(init.stdout).toMatch(/left out, empty in the sample: .*"Home Phone"/);
  expect(contacts).toHaveLength(8);
  expect(contacts.find((c) => c.externalId === 'grace@navy.example')!.defaultFields).toMatchObject({
    firstName: 'Grace',
    lastName: 'Hopper',
    company: 'US Navy',
    role: 'Rear Admiral',
    phoneNumbers: [
      expect.objectContaining({ name: 'mobile', value: '+14155550199' }),
      expect.objectContaining({ name: 'work', value: '+12125550187' }),
    ],
  });
});

test('HubSpot export with an API key: Record ID as id, a column matched to the workspace custom field "vip"', async () => {
  const { init, config, contacts } = await initAndImport('hubspot', true);
  expect(config.externalId).toEqual({ column: 'Record ID' });
  expect(config.customFields).toEqual([{ key: 'vip', type: 'boolean', column: 'VIP' }]);
  expect(init.stdout).toMatch(/customFields: column "VIP" → the workspace's field "vip" \(boolean, "VIP"\)/);
  expect(contacts).toHaveLength(8);
  const first = contacts.find((c) => c.externalId === '51201')!;
  expect(first.defaultFields).toMatchObject({
    firstName: 'Ada',
    company: 'Analytical Engines Ltd',
    emails: [expect.objectContaining({ value: 'ada@engines.example' })],
  });
  expect(first.customFields).toEqual([expect.objectContaining({ key: 'vip', value: true })]);
  // The owner column: "Sam Sales" is a user of the workspace by full name.
  expect(config.owner).toEqual({ column: 'Contact owner', unknown: 'default' });
  expect(first.createdByUserId).toBe('USsam');
  // With the key init read the users, and says the sample's owners are among them.
  expect(init.stdout).toMatch(/owner: every owner in the sample \(1\) is a user of the workspace/);
});

test('init does not overwrite a config unless told to', async () => {
  const out = join(dir(), 'import.json');
  writeFileSync(out, '{}');
  const r = await runCli(['init', '-i', fixture('hubspot.csv'), '-o', out], { OPENPHONE_API_KEY: '' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /exists: not overwritten\nhint: pass --update to add what the export has to it, keeping your edits; --force to replace it/,
  );
});

test('a Windows-1252 export is recognised and its encoding set', async () => {
  const out = join(dir(), 'w.json');
  const r = await runCli(['init', '-i', fixture('windows-1252-semicolon.csv'), '-o', out], { OPENPHONE_API_KEY: '' });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/csv\.encoding: windows-1252: the file is not valid UTF-8/);
  expect(JSON.parse(readFileSync(out, 'utf8')).csv).toEqual({ encoding: 'windows-1252' });
  // The separator is found on each file's header line, so it is not written down.
  expect(r.stdout).toMatch(/csv\.delimiter: left out: each file's separator is found on its header line \(here ";"\)/);
});

test('with the key, a workspace that has contacts without an externalId: init proposes matching on what the config maps, and says why', async () => {
  const sandbox = await startSandbox({
    rate: 0,
    existing: [
      {
        defaultFields: { firstName: 'Typed in the app', phoneNumbers: [{ name: 'mobile', value: '+14155550100' }] },
        source: 'openphone',
      },
    ],
  });
  const out = join(dir(), 'matched.json');
  const r = await runCli(['init', '-i', fixture('hubspot.csv'), '-o', out, '--base-url', sandbox.url], {
    OPENPHONE_API_KEY: sandbox.apiKey,
  });
  expect(r.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8'));
  expect(config.matchExisting).toEqual(['phone', 'email']);
  expect(r.stdout).toMatch(
    /matchExisting: \["phone","email"\]: the workspace already has contacts without an externalId \(1 in its first page/,
  );
  expect(() => loadConfig(out)).not.toThrow();
  // An empty workspace today, or no key: matching is proposed all the same (the app adds contacts later), and said.
  const emptyWorkspace = await startSandbox({ rate: 0 });
  const empty = join(dir(), 'empty.json');
  const r2 = await runCli(['init', '-i', fixture('hubspot.csv'), '-o', empty, '--base-url', emptyWorkspace.url], {
    OPENPHONE_API_KEY: emptyWorkspace.apiKey,
  });
  expect(JSON.parse(readFileSync(empty, 'utf8')).matchExisting).toEqual(['phone', 'email']);
  expect(r2.stdout).toMatch(/no contact without an externalId in its first page today/);
  const keyless = join(dir(), 'keyless.json');
  const r3 = await runCli(['init', '-i', fixture('hubspot.csv'), '-o', keyless], { OPENPHONE_API_KEY: '' });
  expect(JSON.parse(readFileSync(keyless, 'utf8')).matchExisting).toEqual(['phone', 'email']);
  expect(r3.stdout).toMatch(/matchExisting: \["phone","email"\]: a workspace seldom starts empty/);
});

test('init on a file that is not there, or on a folder: exit 2 with the path, never a crash', async () => {
  const missing = await runCli(['init', '-i', join(dir(), 'no-such-export.csv'), '-o', join(dir(), 'x.json')], {
    OPENPHONE_API_KEY: '',
  });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/cannot read input .*no-such-export\.csv: ENOENT/);
  expect(missing.stderr).not.toMatch(/internal error/);
  const folder = await runCli(['init', '-i', dir(), '-o', join(dir(), 'y.json')], { OPENPHONE_API_KEY: '' });
  expect(folder.code).toBe(2);
  expect(folder.stderr).toMatch(/found a folder: expected a file/);
});

test('init --update adds what a newer export has to the config, keeping every hand edit, and never needs --force', async () => {
  const first = join(dir(), 'crm-v1.csv');
  writeFileSync(
    first,
    ['Record ID,First Name,Last Name,Email', '1,Ada,Lovelace,ada@example.com', '2,Grace,Hopper,grace@example.com'].join(
      '\n',
    ),
  );
  const out = join(dir(), 'crm.json');
  expect((await runCli(['init', '-i', first, '-o', out], { OPENPHONE_API_KEY: '' })).code).toBe(0);
  // Hand edits: another label, a source of one's own, invalid values failing.
  const edited = JSON.parse(readFileSync(out, 'utf8'));
  edited.defaultFields.emails[0].name = 'office';
  edited.source = 'crm-nightly';
  edited.invalidValues = 'fail';
  writeFileSync(out, `${JSON.stringify(edited, null, 2)}\n`);
  const second = join(dir(), 'crm-v2.csv');
  writeFileSync(
    second,
    [
      'Record ID,First Name,Last Name,Email,Mobile Phone,Contact owner',
      '1,Ada,Lovelace,ada@example.com,(415) 555-0132,sam@acme.example',
      '2,Grace,Hopper,grace@example.com,(212) 555-0187,sam@acme.example',
      '3,Alan,Turing,alan@example.com,(305) 555-0112,pat@acme.example',
    ].join('\n'),
  );
  const r = await runCli(['init', '-i', second, '-o', out, '--update'], { OPENPHONE_API_KEY: '' });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/updated .*crm\.json: added 3 mapping\(s\)/);
  expect(r.stdout).toMatch(/\+ defaultFields\.phoneNumbers\[0\]: "Mobile Phone"/);
  expect(r.stdout).toMatch(/\+ owner: "Contact owner"/);
  const updated = JSON.parse(readFileSync(out, 'utf8'));
  expect(updated).toMatchObject({
    source: 'crm-nightly',
    invalidValues: 'fail',
    owner: { column: 'Contact owner', unknown: 'default' },
    phone: { defaultCountry: 'US' },
  });
  expect(updated.defaultFields.emails).toEqual([{ name: 'office', column: 'Email' }]);
  expect(updated.defaultFields.phoneNumbers).toEqual([expect.objectContaining({ column: 'Mobile Phone' })]);
  expect(JSON.parse(readFileSync(`${out}.before-update`, 'utf8'))).toEqual(edited);
  expect(() => loadConfig(out)).not.toThrow();
  // Nothing new: nothing changes.
  const again = await runCli(['init', '-i', second, '-o', out, '--update'], { OPENPHONE_API_KEY: '' });
  expect(again.stdout).toMatch(/nothing to add/);
  // A mapping removed on purpose stays removed: init proposed its column before (proposedByInit).
  expect(updated.proposedByInit).toEqual(
    expect.arrayContaining(['Record ID', 'First Name', 'Last Name', 'Email', 'Mobile Phone', 'Contact owner']),
  );
  delete updated.owner;
  writeFileSync(out, `${JSON.stringify(updated, null, 2)}\n`);
  const afterRemoval = await runCli(['init', '-i', second, '-o', out, '--update'], { OPENPHONE_API_KEY: '' });
  expect(afterRemoval.stdout).toMatch(/nothing to add/);
  expect(JSON.parse(readFileSync(out, 'utf8')).owner).toBeUndefined();
  // No config yet: --update says how to make one.
  const none = await runCli(['init', '-i', second, '-o', join(dir(), 'none.json'), '--update'], {
    OPENPHONE_API_KEY: '',
  });
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/--update: found no config at .*none\.json\nhint: run init without --update/);
});

test('a report that names two columns alike (Salesforce\'s contact and account "Phone"): init maps both by their place, and the dry run imports each', async () => {
  const input = join(dir(), 'report.csv');
  writeFileSync(
    input,
    'Contact ID,First Name,Phone,Email,Phone\n003A,Ada,+14155550101,ada@example.com,+14155550199\n003B,Bob,,bob@example.com,+14155550102\n',
  );
  const out = join(dir(), 'report.json');
  const init = await runCli(['init', '-i', input, '-o', out], { OPENPHONE_API_KEY: '' });
  expect(init.code).toBe(0);
  const config = JSON.parse(readFileSync(out, 'utf8')) as {
    defaultFields: { phoneNumbers: { column: string }[] };
  };
  expect(config.defaultFields.phoneNumbers.map((p) => p.column)).toEqual(['Phone (1)', 'Phone (2)']);
  const state = join(dir(), 'report-state');
  const run = await runCli(['run', '-c', out, '-i', input, '--dry-run', '--state-dir', state], {
    OPENPHONE_API_KEY: '',
  });
  expect(run.code).toBe(0);
  const bodies = readFileSync(join(state, 'dry-run', 'payloads.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { body: { defaultFields: { phoneNumbers?: { value: string }[] } } }).body);
  expect(bodies.map((b) => b.defaultFields.phoneNumbers?.map((p) => p.value))).toEqual([
    ['+14155550101', '+14155550199'],
    ['+14155550102'],
  ]);
});
