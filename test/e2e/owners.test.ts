import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { importJob } from '../../src/job/import-job.js';
import type { Log } from '../../src/log.js';
import { formatSummary } from '../../src/report/summary.js';
import { configFrom } from '../helpers/config.js';
import { call, sandboxesPerTest } from '../helpers/sandbox.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

const USERS = [
  { id: 'USada', email: 'Ada@Acme.example', firstName: 'Ada', lastName: 'Lovelace', role: 'owner' },
  { id: 'USgrace', email: 'grace@acme.example', firstName: 'Grace', lastName: 'Hopper', role: 'member' },
  { id: 'USsam1', email: 'sam.one@acme.example', firstName: 'Sam', lastName: 'Smith', role: 'member' },
  { id: 'USsam2', email: 'sam.two@acme.example', firstName: 'Sam', lastName: 'Smith', role: 'member' },
];

test('the sandbox lists its users as the API does: pages of at most 50, followed by nextPageToken; a users file', async () => {
  const many = Array.from({ length: 120 }, (_, i) => ({
    id: `US${i}`,
    email: `u${i}@acme.example`,
    firstName: 'U',
    lastName: String(i),
    role: 'member',
  }));
  const file = join(dir(), 'users.json');
  writeFileSync(file, JSON.stringify(many));
  const { parseUsers } = await import('../../src/sandbox/cli-options.js');
  const sandbox = await startSandbox({ rate: 0, users: parseUsers(file) });
  const first = await call(sandbox, 'GET', '/v1/users?maxResults=50');
  expect(first.body.data).toHaveLength(50);
  expect(first.body.data[0]).toMatchObject({
    id: 'US0',
    email: 'u0@acme.example',
    firstName: 'U',
    lastName: '0',
    role: 'member',
  });
  const third = await call(sandbox, 'GET', `/v1/users?maxResults=50&pageToken=${first.body.nextPageToken}`);
  const last = await call(sandbox, 'GET', `/v1/users?maxResults=50&pageToken=${third.body.nextPageToken}`);
  expect(last.body.data).toHaveLength(20);
  expect(last.body.nextPageToken).toBeNull();
  expect((await call(sandbox, 'GET', '/v1/users?maxResults=51')).status).toBe(400);
});

function logInto(lines: string[]): Log {
  return { info: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`) };
}

test('owner column → createdByUserId record by record; owners that match no single user are listed with the users before anything is sent, and fall back to createdByUserId; sourceUrl from a template', async () => {
  const sandbox = await startSandbox({ rate: 0, users: USERS });
  const input = join(dir(), 'hubspot.csv');
  writeFileSync(
    input,
    [
      'Record ID,First Name,Contact owner',
      '1,A,ada@acme.example',
      '2,B,Grace Hopper',
      '3,C,Sam Smith',
      '4,D,Former Employee',
      '5,E,',
      `6,F,ada@acme.example`,
    ].join('\n'),
  );
  const config = configFrom({
    externalId: 'Record ID',
    source: 'hubspot-migration',
    createdByUserId: 'USgrace',
    sourceUrl: { template: 'https://app.hubspot.example/contacts/123/record/0-1/{Record ID}' },
    owner: { column: 'Contact owner' },
    defaultFields: { firstName: 'First Name' },
  });
  const warnings: string[] = [];
  const summary = await importJob({
    config,
    input,
    stateDir: join(dir(), 'state'),
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: logInto(warnings),
  });
  expect(summary.counts).toMatchObject({ read: 6, created: 6, failed: 0 });
  const owners = Object.fromEntries([...sandbox.contactsByExternalId()].map(([id, [c]]) => [id, c!.createdByUserId]));
  expect(owners).toEqual({
    '1': 'USada',
    '2': 'USgrace',
    '3': 'USgrace',
    '4': 'USgrace',
    '5': 'USgrace',
    '6': 'USada',
  });
  expect(sandbox.contactsByExternalId().get('4')![0]!.sourceUrl).toBe(
    'https://app.hubspot.example/contacts/123/record/0-1/4',
  );
  const warning = warnings.find((w) => w.startsWith('owner:'))!;
  expect(warning).toMatch(
    /2 owner\(s\) in column "Contact owner" match no single user of the workspace: "Sam Smith" \(1 record: names 2 users\), "Former Employee" \(1 record: no such user\)/,
  );
  expect(warning).toMatch(/createdByUserId USgrace/);
  expect(warning).toMatch(
    /The workspace's users: Ada@Acme\.example \(Ada Lovelace\), grace@acme\.example \(Grace Hopper\)/,
  );
  // The owners were read (GET /v1/users) before the first contact was sent.
  const log = sandbox.requests();
  expect(log.findIndex((r) => r.path === '/v1/users')).toBeLessThan(log.findIndex((r) => r.method === 'POST'));
  // The fallback the config chose is news, not a warning (a --quiet nightly run stays quiet), and not a value left out:
  // the summary counts it once per owner.
  expect(warnings.filter((w) => w.startsWith('warning:'))).toEqual([]);
  expect(summary.ownersUnmatched).toEqual([
    { owner: 'Sam Smith', records: 1 },
    { owner: 'Former Employee', records: 1 },
  ]);
  expect(summary.droppedValues).toEqual({});
  expect(formatSummary(summary)).toMatch(
    /owners that match no user of the workspace \(those contacts got the fallback owner, owner.unknown "default"\): "Sam Smith" 1, "Former Employee" 1/,
  );
  expect(formatSummary(summary)).not.toMatch(/values left out/);
});

test('owner.unknown "fail": such a record fails, naming the owner; a sourceUrl the template makes too long is reported whole, never cut', async () => {
  const sandbox = await startSandbox({ rate: 0, users: USERS });
  const input = join(dir(), 'sf.csv');
  writeFileSync(
    input,
    [
      'Contact ID,First Name,Owner',
      '003A,A,ada@acme.example',
      '003B,B,nobody@acme.example',
      `${'9'.repeat(190)},C,ada@acme.example`,
    ].join('\n'),
  );
  const config = configFrom({
    externalId: { template: '{First Name}' },
    source: 'sf-migration',
    invalidValues: 'fail',
    sourceUrl: { template: 'https://acme.my.salesforce.example/{Contact ID}' },
    owner: { column: 'Owner', unknown: 'fail' },
    defaultFields: { firstName: 'First Name' },
  });
  const summary = await importJob({
    config,
    input,
    stateDir: join(dir(), 'state'),
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: logInto([]),
  });
  expect(summary.counts).toMatchObject({ read: 3, created: 1, failed: 2 });
  const failures = parse(readFileSync(join(dir(), 'state', 'failures.csv')), { columns: true, bom: true }) as Record<
    string,
    string
  >[];
  expect(failures.map((f) => [f._error_line, f._error_code])).toEqual([
    ['3', 'OWNER_UNKNOWN'],
    ['4', 'SOURCE_URL_INVALID'],
  ]);
  expect(failures[1]!._error_message).toContain(`https://acme.my.salesforce.example/${'9'.repeat(190)}`);
  expect(failures[1]!._error_message).toMatch(/is 225 characters long; a sourceUrl is at most 200/);
});

test('init recognises an owner column and writes config owner', async () => {
  const input = join(dir(), 'hubspot-export.csv');
  writeFileSync(
    input,
    [
      'Record ID,First Name,Last Name,Email,Contact owner',
      '1,Ada,Lovelace,ada@example.com,ada@acme.example',
      '2,Grace,Hopper,grace@example.com,grace@acme.example',
    ].join('\n'),
  );
  const out = join(dir(), 'c.json');
  const r = await runCli(['init', '--input', input, '--out', out]);
  expect(r.code).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8')).owner).toEqual({ column: 'Contact owner', unknown: 'default' });
  expect(r.stdout).toMatch(/owner: column "Contact owner": each contact's owner/);
});
