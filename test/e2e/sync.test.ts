import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { importJob, type ImportOptions } from '../../src/job/import-job.js';
import { dryRun } from '../../src/job/dry-run.js';
import { formatSummary } from '../../src/report/summary.js';
import { silentLog } from '../../src/log.js';
import { rollback } from '../../src/rollback/rollback.js';
import { parseFaultSpec, type FaultRule } from '../../src/sandbox/faults.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { type Sandbox } from '../../src/sandbox/server.js';
import { killCliWhen, runCli } from '../helpers/cli.js';
import { configFrom } from '../helpers/config.js';
import { cliJob, HEADER, importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { warningLog } from '../helpers/warnings.js';
import { writeWorkbook } from '../helpers/workbook.js';

/**
 * A job keeps a workspace in step with its source, run after run, into a
 * workspace that is not empty: new records are created, changed ones update
 * their contact, unchanged ones cost nothing, contacts the workspace had are
 * adopted by phone or email (or held for review), records gone from the
 * source are deleted only when asked and guarded, and rollback undoes it all.
 */
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

const stateDir = () => join(dir(), 'state');
const config = configFrom(importConfig());
const runImport = (sb: Sandbox, input: string, extra: Partial<ImportOptions> = {}) =>
  importJob({ config, input, stateDir: stateDir(), apiKey: sb.apiKey, baseUrl: sb.url, log: silentLog, ...extra });

/** The rows of a contacts file, to edit as a CRM would between exports. */
const rowsOf = (path: string) => parse(readFileSync(path, 'utf8'), { columns: false }) as string[][];
const writeRows = (path: string, rows: string[][]) => writeFileSync(path, stringify(rows));
/** A report's rows (UTF-8 with a BOM), by column name. */
const reportRows = (path: string) =>
  parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
/** A contact typed in the OpenPhone app: a first name and one number, no externalId. */
const appMade = (firstName: string, value: string, name = 'mobile') => ({
  defaultFields: { firstName, phoneNumbers: [{ name, value }] },
  source: 'openphone',
});
/** `rollback --yes` of the job, as a person runs it. */
const rollBack = (sb: Sandbox) =>
  rollback({
    stateDir: stateDir(),
    apiKey: sb.apiKey,
    baseUrl: sb.url,
    log: silentLog,
    yes: true,
    api: { requestsPerSecond: 1000 },
  });
const requestsSince = (sb: Sandbox, from: number) =>
  sb
    .requests()
    .slice(from)
    .filter((r) => !r.path.startsWith('/__sandbox'));

describe('a rerun brings changes across', () => {
  test('a mapping changed since the job began is said before anything is sent, by the dry run and the import; its records are updated, matched by externalId', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 12);
    await runImport(sandbox, input);
    // The company column now feeds the role instead.
    const base = importConfig();
    const remapped = configFrom({
      ...base,
      defaultFields: { ...base.defaultFields, company: undefined, role: 'Company' },
    });
    const { log, warnings, codes } = warningLog();
    const preview = await dryRun({ config: remapped, input, stateDir: stateDir(), log });
    expect(codes()).toEqual(['MAPPING_CHANGED']);
    expect(warnings[0]!.message).toContain(join(stateDir(), 'journal.jsonl'));
    // A record with no company gives the same contact either way: unchanged.
    const withCompany = rowsOf(input).filter((r) => file.valid.includes(r[0]!) && r[3] !== '').length;
    expect(withCompany).toBeGreaterThan(0);
    expect(preview.counts).toMatchObject({ changed: withCompany, unchanged: file.valid.length - withCompany });
    warnings.length = 0;
    const run = await importJob({
      config: remapped,
      input,
      stateDir: stateDir(),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log,
    });
    expect(codes()).toEqual(['MAPPING_CHANGED']);
    expect(run.counts).toMatchObject({ created: 0, updated: withCompany, unchanged: file.valid.length - withCompany });
    expect(sandbox.stats().duplicateExternalIds).toBe(0);
  });

  test('new records are created, changed ones updated, unchanged ones cost no request; a fresh export under another name works the same', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const first = join(dir(), 'export-monday.csv');
    const file = writeContactsFile(first, 40);
    expect((await runImport(sandbox, first)).counts.created).toBe(file.valid.length);

    // Tuesday's export: 4 companies changed, 1 phone changed, 3 new records.
    const rows = rowsOf(first);
    const byId = new Map(rows.map((r) => [r[0], r]));
    const changed = file.valid.slice(0, 5);
    changed.slice(0, 4).forEach((id) => (byId.get(id)![3] = `New Co ${id}`));
    const replacedPhone = byId.get(changed[4]!)![5]!;
    byId.get(changed[4]!)![5] = '+14155559999';
    const added = ['n1', 'n2', 'n3'];
    for (const id of added)
      rows.push([id, `First ${id}`, 'Last', '', `${id}@example.com`, '+14155551234', 'yes', '01/02/2024']);
    const second = join(dir(), 'export-tuesday.csv');
    writeRows(second, rows);

    const preview = await dryRun({ config, input: second, stateDir: stateDir(), log: silentLog });
    expect(preview.counts).toMatchObject({ valid: 3, changed: 5, unchanged: file.valid.length - 5 });
    expect(preview.changes).toEqual([
      expect.stringMatching(/set OPENPHONE_API_KEY to see each changed field as old → new/),
    ]);
    // With the key, the changed records' contacts are read (one lookup) and each change shown as old → new.
    const seen = await dryRun({
      config,
      input: second,
      stateDir: stateDir(),
      log: silentLog,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
    });
    const [firstChange, , , , phoneChange] = seen.changes!;
    expect(firstChange).toMatch(
      new RegExp(`^line \\d+ \\(${changed[0]}\\): company ("Company \\d+"|\\(empty\\)) → "New Co ${changed[0]}"$`),
    );
    expect(phoneChange).toMatch(new RegExp(`\\(${changed[4]}\\): phone − \\+1\\d+; phone \\+ \\+14155559999$`));

    const from = sandbox.requests().length;
    const sync = await runImport(sandbox, second);
    expect(sync.counts).toMatchObject({
      created: 3,
      updated: 5,
      unchanged: file.valid.length - 5,
      failed: file.invalidLines.length,
    });
    expect(sync.invariant.holds).toBe(true);
    const sent = requestsSince(sandbox, from);
    // The custom-field check, one lookup of the 5 changed (20 ids a request), 5 PATCHes, 3 POSTs: nothing for an unchanged record.
    expect(sent.map((r) => `${r.method} ${r.route}`).sort()).toEqual(
      [...Array(5).fill('PATCH patch'), ...Array(3).fill('POST post'), 'GET fields', 'GET get'].sort(),
    );
    const now = sandbox.contactsByExternalId();
    for (const id of changed.slice(0, 4)) expect(now.get(id)![0]!.defaultFields.company).toBe(`New Co ${id}`);
    // The number the source replaced is gone (the contact had it as the job wrote it), the new one is there.
    const phones = now.get(changed[4]!)![0]!.defaultFields.phoneNumbers.map((p) => p.value);
    expect(phones).toContain('+14155559999');
    expect(phones).not.toContain(replacedPhone);
    expect(sandbox.stats().duplicateExternalIds).toBe(0);

    // The same export again: no request at all but the start-up check.
    const quiet = sandbox.requests().length;
    expect((await runImport(sandbox, second)).counts).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: file.valid.length + 3,
    });
    expect(requestsSince(sandbox, quiet).map((r) => r.route)).toEqual(['fields']);
  });

  test('--on-changed skip reports a changed record and sends nothing; the next run without it updates it', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 10);
    await runImport(sandbox, input);
    const rows = rowsOf(input);
    rows.find((r) => r[0] === file.valid[0])![1] = 'Renamed';
    writeRows(input, rows);
    const from = sandbox.requests().length;
    expect((await runImport(sandbox, input, { onChanged: 'skip' })).counts).toMatchObject({ changed: 1, updated: 0 });
    expect(requestsSince(sandbox, from).filter((r) => r.method === 'PATCH')).toHaveLength(0);
    expect((await runImport(sandbox, input)).counts).toMatchObject({ updated: 1 });
    expect(sandbox.contactsByExternalId().get(file.valid[0]!)![0]!.defaultFields.firstName).toBe('Renamed');
  });

  test('kill -9 during a sync, then the same command: every change arrives once, no contact is doubled', async () => {
    const sandbox = await startSandbox({ rate: 0, latencyMs: [20, 20] });
    const job = cliJob(dir(), 120, { concurrency: 4 });
    const { input, file } = job;
    const env = { OPENPHONE_API_KEY: sandbox.apiKey };
    const args = job.args(sandbox.url, '--quiet');
    expect((await runCli(args, env)).code).toBe(1);
    const rows = rowsOf(input);
    for (const r of rows.slice(1)) if (file.valid.includes(r[0]!)) r[3] = `Moved ${r[0]}`;
    writeRows(input, rows);
    const patches = () => sandbox.requests().filter((r) => r.method === 'PATCH').length;
    await killCliWhen(args, env, () => patches() >= 25);
    const rest = await runCli(args, env);
    expect(rest.code).toBe(1);
    const contacts = sandbox.contactsByExternalId();
    expect([...contacts.keys()].sort()).toEqual([...file.valid].sort());
    for (const [id, cs] of contacts) {
      expect(cs).toHaveLength(1);
      expect(cs[0]!.defaultFields.company).toBe(`Moved ${id}`);
    }
    // The changes not yet sent were sent after the kill, and no more than once again each (one in flight may repeat).
    expect(patches()).toBeLessThanOrEqual(file.valid.length + 4);
  }, 60_000);
});

describe('adopting what the workspace already has', () => {
  const header = HEADER;
  const row = (id: string, first: string, email: string, phone: string) => [
    id,
    first,
    'Last',
    '',
    email,
    phone,
    'no',
    '01/02/2024',
  ];
  /** A CRM person with a last name and a company, e-mail from the id. */
  const person = (id: string, first: string, last: string, phone: string) => [
    id,
    first,
    last,
    'Acme',
    `${id}@example.com`,
    phone,
    'no',
    '01/02/2024',
  ];

  /** Ada (+14155550101) and Bob (+14155550102) of the CRM, ids a and b. */
  const adaAndBob = (input: string, adaLast = 'Last') =>
    writeRows(input, [header, person('a', 'Ada', adaLast, '+14155550101'), person('b', 'Bob', 'Last', '+14155550102')]);

  test("one app-made contact by phone or email is adopted; several, or another source's, are held for review; a rerun adopts nothing twice", async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [
        // Typed in the app, no externalId: adopted by phone (written nationally there).
        {
          defaultFields: {
            firstName: 'Ada',
            phoneNumbers: [{ name: 'mobile', value: '(415) 555-0101' }],
            emails: [{ name: 'home', value: 'ada.home@example.com' }],
          },
          source: 'openphone',
        },
        // The in-app CSV import: adopted by email, whatever its case.
        { defaultFields: { firstName: 'Bob', emails: [{ name: 'work', value: 'BOB@Example.com' }] }, source: 'csv-v2' },
        // Two contacts share Cy's number: which one is Cy cannot be told.
        appMade('Cy', '+14155550103'),
        appMade('Cy (old)', '+14155550103', 'work'),
        // Another integration holds Dee.
        {
          defaultFields: { firstName: 'Dee', emails: [{ name: 'work', value: 'dee@example.com' }] },
          externalId: 'hubspot-4',
          source: 'hubspot',
        },
      ],
    });
    const before = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      row('a', 'Ada', 'ada@example.com', '+14155550101'),
      row('b', 'Bob', 'bob@example.com', '+14155550102'),
      row('c', 'Cy', 'cy@example.com', '+14155550103'),
      row('d', 'Dee', 'dee@example.com', '+14155550104'),
      row('e', 'Eve', 'eve@example.com', '+14155550105'),
    ]);
    const summary = await runImport(sandbox, input, { matchExisting: ['phone', 'email'] });
    expect(summary.counts).toMatchObject({ adopted: 2, review: 2, created: 1, failed: 0 });
    expect(summary.exitCode).toBe(1);
    const byExt = sandbox.contactsByExternalId();
    // Adopted: the same contacts, now with the record's externalId and fields, keeping what they had.
    const ada = byExt.get('a')![0]!;
    expect(before.has(ada.id)).toBe(true);
    expect(ada.defaultFields.emails.map((e) => e.value).sort()).toEqual(['ada.home@example.com', 'ada@example.com']);
    expect(before.has(byExt.get('b')![0]!.id)).toBe(true);
    // Not sent: review.csv names the candidates.
    expect(byExt.has('c')).toBe(false);
    expect(byExt.has('d')).toBe(false);
    const review = reportRows(join(stateDir(), 'review.csv'));
    expect(review.map((r) => r.externalId)).toEqual(['c', 'd']);
    expect(review[0]!.why).toMatch(/matches 2 contacts/);
    expect(review[0]!.candidateIds!.split(' ')).toHaveLength(2);
    expect(review[1]!.why).toMatch(/another source holds \(externalId "hubspot-4"\)/);
    // Nothing of the workspace was deleted, and the contacts not adopted are as they were.
    for (const [id, c] of before) {
      const now = sandbox.contacts().find((x) => x.id === id);
      expect(now).toBeDefined();
      if (c.externalId !== null || c.defaultFields.firstName?.startsWith('Cy')) expect(now).toEqual(c);
    }
    // created.csv lists only the contact the job made.
    expect(readFileSync(join(stateDir(), 'created.csv'), 'utf8')).toMatch(
      /^\uFEFFline,externalId,contactId\n\d+,e,CT\w+\n$/,
    );

    const again = await runImport(sandbox, input, { matchExisting: ['phone', 'email'] });
    expect(again.counts).toMatchObject({ adopted: 0, unchanged: 3, review: 2 });

    // Rollback: the made one deleted, the adopted ones put back as they were (no externalId again).
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ deleted: 1, restored: 2, changedSince: 0, exitCode: 0 });
    for (const [id, c] of before)
      expect(sandbox.contacts().find((x) => x.id === id)).toMatchObject({
        externalId: c.externalId,
        defaultFields: { firstName: c.defaultFields.firstName },
      });
    expect(
      sandbox
        .contacts()
        .find((x) => x.id === ada.id)!
        .defaultFields.emails.map((e) => e.value),
    ).toEqual(['ada.home@example.com']);
    expect(sandbox.contacts()).toHaveLength(before.size);
  });

  test("an adopted contact keeps the app's source and its own role: the next nights update it and --verify reads it as the job's, never another source's", async () => {
    // Brought by the app's CSV import (source csv-v2) with a role the CRM has no column for; the adoption gives
    // it an externalId, not the job's source, and keeps the role.
    const own = appMade('Ada', '+14155550101');
    const sandbox = await startSandbox({
      rate: 0,
      existing: [{ ...own, defaultFields: { ...own.defaultFields, role: 'Office manager' }, source: 'csv-v2' }],
    });
    const [app] = sandbox.contacts();
    const input = join(dir(), 'crm.csv');
    adaAndBob(input);
    const match = { matchExisting: ['phone', 'email'] as const };
    expect((await runImport(sandbox, input, match)).counts).toMatchObject({ adopted: 1, created: 1 });
    expect(sandbox.contactsByExternalId().get('a')).toEqual([
      expect.objectContaining({ id: app!.id, source: 'csv-v2' }),
    ]);

    // The CRM changes Ada's company: her contact is updated, and stays the job's.
    writeRows(input, [
      header,
      person('a', 'Ada', 'Last', '+14155550101').with(3, 'Initech'),
      person('b', 'Bob', 'Last', '+14155550102'),
    ]);
    const from = sandbox.requests().length;
    const night = await runImport(sandbox, input, match);
    expect(night.counts).toMatchObject({ updated: 1, unchanged: 1, existing: 0, created: 0 });
    expect(requestsSince(sandbox, from).map((r) => r.method)).not.toContain('POST');
    expect(sandbox.contactsByExternalId().get('a')).toEqual([
      expect.objectContaining({ id: app!.id, defaultFields: expect.objectContaining({ company: 'Initech' }) }),
    ]);

    // --verify reads it as the job's contact: as written, nothing sent, nothing made again.
    const verified = await runImport(sandbox, input, { ...match, verify: true });
    expect(verified.counts).toMatchObject({ unchanged: 2, created: 0, existing: 0, restored: 0 });
    expect(sandbox.contacts()).toHaveLength(2);
    // Her own role is no drift from what the job wrote (it wrote none): with conflicts "source" it stays.
    const source = configFrom({ ...importConfig(), update: { conflicts: 'source' } });
    const repaired = await runImport(sandbox, input, { ...match, verify: true, config: source });
    expect(repaired.drift).toBeUndefined();
    expect(sandbox.contactsByExternalId().get('a')![0]!.defaultFields.role).toBe('Office manager');

    // And a rollback still gives it back as it was.
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ deleted: 1, restored: 1, changedSince: 0 });
    expect(sandbox.contacts()).toEqual([expect.objectContaining({ id: app!.id, externalId: null, source: 'csv-v2' })]);
  });

  test.each(['409', 'per-source'] as const)(
    "uniqueness %s: a record whose id a native CRM sync's contact holds is left alone with no request, previewed so, and never made twice",
    async (uniqueExternalId) => {
      // HubSpot's own integration made Ada with the CRM's record id, as the export carries it.
      const native = { ...appMade('Ada', '+14155550101'), externalId: 'a', source: 'hubspot' };
      const sandbox = await startSandbox({ rate: 0, uniqueExternalId, existing: [native] });
      const input = join(dir(), 'crm.csv');
      adaAndBob(input);
      const match = { matchExisting: ['phone', 'email'] as const };
      const api = { apiKey: sandbox.apiKey, baseUrl: sandbox.url };
      const preview = await dryRun({ config, input, stateDir: stateDir(), log: silentLog, api, ...match });
      expect(preview.counts).toMatchObject({ existing: 1, valid: 1, review: 0 });
      const from = sandbox.requests().length;
      const first = await runImport(sandbox, input, match);
      expect(first.counts).toMatchObject({ existing: 1, created: 1, review: 0 });
      // One POST, Bob's: where the API keeps ids per source, a POST of Ada would have made her twice.
      expect(requestsSince(sandbox, from).filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(sandbox.contactsByExternalId().get('a')).toEqual([expect.objectContaining({ source: 'hubspot' })]);
      // The next night lists nothing and sends nothing for her.
      const again = sandbox.requests().length;
      expect((await runImport(sandbox, input, match)).counts).toMatchObject({ existing: 1, unchanged: 1 });
      expect(requestsSince(sandbox, again).map((r) => r.route)).toEqual(['fields']);
      // The CRM changes her, and a night runs with --on-existing update: her contact is still the integration's.
      adaAndBob(input, 'Byron');
      const rules = { onExisting: 'update' as const, onChanged: 'update' as const };
      const seen = await dryRun({ config, input, stateDir: stateDir(), log: silentLog, api, rules, ...match });
      expect(seen.changes).toEqual([
        'line 2 (a): another integration\'s contact (source "hubspot") holds its id, none of the job\'s: left alone, not made again',
      ]);
      const changed = sandbox.requests().length;
      expect((await runImport(sandbox, input, { ...match, onExisting: 'update' })).counts).toMatchObject({
        existing: 1,
        updated: 0,
        created: 0,
      });
      expect(requestsSince(sandbox, changed).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(sandbox.contactsByExternalId().get('a')).toEqual([expect.objectContaining({ source: 'hubspot' })]);
    },
  );

  test.each(['skip', 'update'] as const)(
    "--on-existing %s: a record whose id a contact of the job's own source holds (an earlier job's) is previewed as the import will count it",
    async (onExisting) => {
      const earlier = { ...appMade('Ada', '+14155550101'), externalId: 'a', source: 'test-import' };
      const sandbox = await startSandbox({ rate: 0, existing: [earlier] });
      const input = join(dir(), 'crm.csv');
      adaAndBob(input);
      const match = { matchExisting: ['phone', 'email'] as const };
      const rules = { onExisting, onChanged: 'update' as const };
      const api = { apiKey: sandbox.apiKey, baseUrl: sandbox.url };
      const preview = await dryRun({ config, input, stateDir: stateDir(), log: silentLog, api, rules, ...match });
      const run = await runImport(sandbox, input, { ...match, onExisting });
      if (onExisting === 'skip') {
        expect(preview.counts).toMatchObject({ existing: 1, valid: 1 });
        expect(run.counts).toMatchObject({ existing: 1, created: 1 });
      } else {
        expect(preview.counts).toMatchObject({ changed: 1, valid: 1, existing: 0 });
        expect(run.counts).toMatchObject({ updated: 1, created: 1, existing: 0 });
      }
    },
  );

  test("adoption takes only the same person: an office line three CRM people share, and a family's mobile under another name, go to review with both names", async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [
        appMade('Front Desk', '+14155550100', 'work'),
        {
          defaultFields: {
            firstName: 'Eve',
            lastName: 'Jones',
            phoneNumbers: [{ name: 'mobile', value: '+14155550177' }],
          },
          source: 'openphone',
        },
        // A company's main line, typed in the app with the company name only: no CRM person is it.
        {
          defaultFields: { company: 'Acme', phoneNumbers: [{ name: 'main', value: '+14155550166' }] },
          source: 'openphone',
        },
        // The same person, written another way: adopted.
        {
          defaultFields: {
            firstName: 'ADA',
            lastName: 'Lovelace-Byron',
            phoneNumbers: [{ name: 'mobile', value: '(415) 555-0101' }],
          },
          source: 'openphone',
        },
      ],
    });
    const before = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      person('alice', 'Alice', 'Smith', '+14155550100'),
      person('bob', 'Bob', 'Stone', '+14155550100'),
      person('carol', 'Carol', 'Reyes', '+14155550100'),
      person('dan', 'Dan', 'Brown', '+14155550177'),
      person('ada', 'Ada', 'Lovelace Byron', '+14155550101'),
      person('fay', 'Fay', 'Wong', '+14155550166'),
    ]);
    const summary = await runImport(sandbox, input, { matchExisting: ['phone', 'email'] });
    expect(summary.counts).toMatchObject({ adopted: 1, review: 5, created: 0 });
    const review = reportRows(join(stateDir(), 'review.csv'));
    expect(review.map((r) => r.externalId)).toEqual(['alice', 'bob', 'carol', 'dan', 'fay']);
    expect(review[4]!.why).toMatch(/whose name is not the record's: "Acme" in the workspace, "Fay Wong" in the input/);
    for (const r of review.slice(0, 3))
      expect(r.why).toMatch(/phone \+14155550100, which 3 records of the input carry.*nobody's key/);
    expect(review[3]).toMatchObject({
      name: 'Dan Brown',
      candidateNames: 'Eve Jones',
      why: expect.stringMatching(
        /whose name is not the record's: "Eve Jones" in the workspace, "Dan Brown" in the input/,
      ),
    });
    // Front Desk and Eve are as they were.
    for (const [id, c] of before)
      if (c.defaultFields.firstName !== 'ADA') expect(sandbox.contacts().find((x) => x.id === id)).toEqual(c);
    expect(sandbox.contactsByExternalId().get('ada')![0]!.id).toBe(
      [...before.values()].find((c) => c.defaultFields.firstName === 'ADA')!.id,
    );
  });

  test('review.csv takes decisions: adopt one of the candidates, create, or skip; running it carries them out on those records alone, and they hold on later nights', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [
        appMade('Front Desk', '+14155550100', 'work'),
        {
          defaultFields: {
            firstName: 'Eve',
            lastName: 'Jones',
            phoneNumbers: [{ name: 'mobile', value: '+14155550177' }],
          },
          source: 'openphone',
        },
      ],
    });
    const desk = sandbox.contacts().find((c) => c.defaultFields.firstName === 'Front Desk')!;
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      person('alice', 'Alice', 'Smith', '+14155550100'),
      person('bob', 'Bob', 'Stone', '+14155550100'),
      person('dan', 'Dan', 'Brown', '+14155550177'),
      person('zed', 'Zed', 'Zeta', '+14155550188'),
    ]);
    const first = await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(first.counts).toMatchObject({ review: 3, created: 1 });
    const reviewPath = join(stateDir(), 'review.csv');
    const review = parse(readFileSync(reviewPath, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<
      string,
      string
    >[];
    expect(review.map((r) => r.decision)).toEqual(['', '', '']);
    // A person decides, in the file as written (a copy, as the tool never writes over a file it told someone to edit),
    // saved by a spreadsheet set to ";" (German Excel): the decisions are read all the same.
    const decided = join(dir(), 'review-decided.csv');
    const decide: Record<string, string> = { alice: `adopt ${desk.id}`, bob: 'create', dan: 'skip' };
    writeFileSync(
      decided,
      `\uFEFF${stringify([Object.keys(review[0]!), ...review.map((r) => Object.values({ ...r, decision: decide[r.externalId!]! }))], { delimiter: ';' })}`,
    );
    // The dry run of the decided file previews them, on those records alone, sending nothing and writing beside it.
    const writes = sandbox.requests().filter((r) => r.method !== 'GET').length;
    const previewFrom = sandbox.requests().length;
    const preview = await dryRun({
      config,
      input: decided,
      stateDir: stateDir(),
      log: silentLog,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
      matchExisting: ['phone'],
    });
    expect(preview.counts).toMatchObject({ read: 3, adopted: 1, valid: 1, skipped: 1, review: 0 });
    expect(preview.input).toBe(decided);
    // Decided records match nothing: the workspace is not listed for them, as the import does.
    expect(
      requestsSince(sandbox, previewFrom).filter((r) => r.path === '/v1/contacts' && !r.externalIds?.length),
    ).toHaveLength(0);
    expect(sandbox.requests().filter((r) => r.method !== 'GET').length).toBe(writes);
    expect(readFileSync(decided, 'utf8')).toContain(`adopt ${desk.id}`);
    const from = sandbox.requests().length;
    const carried = await runImport(sandbox, decided, { matchExisting: ['phone'] });
    expect(carried.counts).toMatchObject({ read: 3, adopted: 1, created: 1, skipped: 1, review: 0 });
    // Decisions match nothing: the workspace is not listed for them.
    expect(
      requestsSince(sandbox, from).filter(
        (r) => r.path === '/v1/contacts' && r.method === 'GET' && !r.externalIds?.length,
      ),
    ).toHaveLength(0);
    // zed, done before, is not this run's: no request touched it.
    expect(requestsSince(sandbox, from).flatMap((r) => r.externalIds ?? [])).not.toContain('zed');
    expect(sandbox.contacts().find((c) => c.id === desk.id)!.externalId).toBe('alice');
    expect(sandbox.contactsByExternalId().get('bob')).toHaveLength(1);
    expect(sandbox.contactsByExternalId().has('dan')).toBe(false);
    // The next night's export: the decisions hold (dan stays skipped, nothing goes back to review).
    const night = await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(night.counts).toMatchObject({ unchanged: 3, skipped: 1, review: 0 });
    // A decision that is not one of the row's candidates: exit 2, the row named, nothing sent.
    writeFileSync(decided, readFileSync(decided, 'utf8').replace(`adopt ${desk.id}`, 'adopt CT-not-a-candidate'));
    await expect(runImport(sandbox, decided, { matchExisting: ['phone'] })).rejects.toMatchObject({
      code: 'REVIEW_DECISION_INVALID',
      exitCode: 2,
      message: expect.stringMatching(/review-decided\.csv:2: column "decision": found "adopt CT-not-a-candidate"/),
    });
  });

  /** Zoë (this id) and Bob on the office line an app-made "Front Desk" holds: both go to review.csv, whose rows are returned. */
  const officeLineForReview = async (zoeId: string) => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Front Desk', '+14155550100', 'work')],
    });
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      person(zoeId, 'Zoë', 'Müller', '+14155550100'),
      person('bob', 'Bob', 'Stone', '+14155550100'),
    ]);
    expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts).toMatchObject({ review: 2 });
    const review = parse(readFileSync(join(stateDir(), 'review.csv'), 'utf8').replace(/^\uFEFF/, ''), {
      columns: true,
    }) as Record<string, string>[];
    return { sandbox, review };
  };

  test('review.csv saved as "CSV" in a spreadsheet\'s own encoding is refused before its accented ids miss their records; a decision no record of the export takes is said, the others carried out', async () => {
    const { sandbox, review } = await officeLineForReview('zoë');
    const rows = [Object.keys(review[0]!), ...review.map((r) => Object.values({ ...r, decision: 'create' }))];
    // Excel's "CSV" on Windows: Windows-1252, no byte order mark.
    const ansi = join(dir(), 'review-ansi.csv');
    writeFileSync(ansi, Buffer.from(stringify(rows), 'latin1'));
    const from = sandbox.requests().length;
    await expect(runImport(sandbox, ansi, { matchExisting: ['phone'] })).rejects.toMatchObject({
      code: 'REVIEW_ENCODING',
      exitCode: 2,
      message: expect.stringMatching(/review-ansi\.csv:2: bytes that are not UTF-8/),
    });
    // Excel's "Unicode Text": UTF-16 with its byte order mark. Said as a review, not read as an export with other columns.
    const unicode = join(dir(), 'review-unicode.csv');
    writeFileSync(unicode, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stringify(rows), 'utf16le')]));
    await expect(runImport(sandbox, unicode, { matchExisting: ['phone'] })).rejects.toMatchObject({
      code: 'REVIEW_ENCODING',
      exitCode: 2,
      message: expect.stringMatching(/review-unicode\.csv is a review .* not UTF-8 text/),
    });
    expect(requestsSince(sandbox, from)).toHaveLength(0);
    // As "CSV UTF-8", with one id edited by hand: the other decision is carried out, the edited one named.
    const utf8 = join(dir(), 'review-utf8.csv');
    rows[2]![rows[0]!.indexOf('externalId')] = 'bobby';
    writeFileSync(utf8, `\uFEFF${stringify(rows)}`);
    const { log, warnings, codes } = warningLog();
    const carried = await runImport(sandbox, utf8, { matchExisting: ['phone'], log });
    expect(carried.counts).toMatchObject({ read: 1, created: 1 });
    expect(sandbox.contactsByExternalId().get('zoë')).toHaveLength(1);
    expect(codes()).toContain('REVIEW_DECISIONS_UNMATCHED');
    expect(warnings.find((w) => w.code === 'REVIEW_DECISIONS_UNMATCHED')!.message).toMatch(/1 decision\(s\).*"bobby"/);
  });

  test('review.csv saved as a workbook in its job\'s folder (Excel\'s "Save As") takes decisions as the CSV does; a copy saved elsewhere is said so, nothing sent', async () => {
    const { sandbox, review } = await officeLineForReview('1001');
    const decide = (r: Record<string, string>) => ({ ...r, decision: r.externalId === 'bob' ? 'skip' : 'create' });
    // As Excel saves it: digits as number cells (the id 1001, the line numbers).
    const rows = [Object.keys(review[0]!), ...review.map((r) => Object.values(decide(r)))].map((row) =>
      row.map((v) => (/^\d{1,9}$/.test(v) ? Number(v) : v)),
    );
    const outside = join(dir(), 'review.xlsx');
    await writeWorkbook(outside, { review: rows });
    const from = sandbox.requests().length;
    await expect(runImport(sandbox, outside, { matchExisting: ['phone'] })).rejects.toMatchObject({
      code: 'REVIEW_WORKBOOK_OUTSIDE_JOB',
      exitCode: 2,
    });
    expect(requestsSince(sandbox, from)).toHaveLength(0);
    const inside = join(stateDir(), 'review.xlsx');
    await writeWorkbook(inside, { review: rows });
    const preview = await dryRun({ config, input: inside, stateDir: stateDir(), log: silentLog });
    expect(preview.counts).toMatchObject({ read: 2, valid: 1, skipped: 1 });
    const carried = await runImport(sandbox, inside, { matchExisting: ['phone'] });
    expect(carried.counts).toMatchObject({ read: 2, created: 1, skipped: 1 });
    expect(sandbox.contactsByExternalId().get('1001')).toHaveLength(1);
    expect(sandbox.contactsByExternalId().has('bob')).toBe(false);
    // The person's workbook is theirs: never written over, never removed.
    expect(existsSync(inside)).toBe(true);
  });

  test('the dry run with a key previews adoption: would adopt, for review (and why, in dry-run/review.csv), would create; it writes nothing; without a key it says what it could not preview', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Ada', '+14155550101'), appMade('Front Desk', '+14155550100', 'work')],
    });
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      row('a', 'Ada', 'ada@example.com', '+14155550101'),
      row('alice', 'Alice', 'alice@example.com', '+14155550100'),
      row('z', 'Zed', 'zed@example.com', '+14155550188'),
    ]);
    const preview = await dryRun({
      config,
      input,
      stateDir: stateDir(),
      log: silentLog,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
      matchExisting: ['phone'],
    });
    expect(preview.counts).toMatchObject({ adopted: 1, review: 1, valid: 1 });
    expect(formatSummary(preview)).toMatch(/would create 1, would adopt 1, for review 1/);
    const review = reportRows(join(stateDir(), 'dry-run', 'review.csv'));
    expect(review).toMatchObject([
      { externalId: 'alice', why: expect.stringMatching(/"Front Desk" in the workspace, "Alice Last" in the input/) },
    ]);
    expect(sandbox.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
    const keyless = warningLog();
    const keylessRun = await dryRun({
      config,
      input,
      stateDir: stateDir(),
      log: keyless.log,
      matchExisting: ['phone'],
    });
    expect(keylessRun.counts).toMatchObject({ valid: 3 });
    expect(keyless.codes()).toContain('PREVIEW_NEEDS_KEY');
    // A first run with no matching choice: the dry run says the import would stop, and why.
    const fresh = warningLog();
    await dryRun({
      config,
      input,
      stateDir: join(dir(), 'fresh'),
      log: fresh.log,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
    });
    expect(fresh.codes()).toEqual(['FIRST_RUN_UNMATCHED']);
    // The count of the workspace's contacts without an externalId, and the way out.
    expect(fresh.warnings[0]!.message).toMatch(/\b2 contact\(s\)[^]*hint: /);
  });

  test('review.csv is written only by a run with rows for review: a later run without any drops the last one, unless a person edited it', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Front Desk', '+14155550100', 'work')],
    });
    const input = join(dir(), 'crm.csv');
    const reviewPath = join(stateDir(), 'review.csv');
    writeRows(input, [header, person('zed', 'Zed', 'Zeta', '+14155550188')]);
    await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(existsSync(reviewPath)).toBe(false);
    expect(existsSync(join(stateDir(), 'conflicts.csv'))).toBe(false);
    writeRows(input, [
      header,
      person('zed', 'Zed', 'Zeta', '+14155550188'),
      person('alice', 'Alice', 'Smith', '+14155550100'),
    ]);
    expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts.review).toBe(1);
    expect(reportRows(reviewPath)).toHaveLength(1);
    // The CRM drops Alice: nothing for review, and the stale list goes.
    writeRows(input, [header, person('zed', 'Zed', 'Zeta', '+14155550188')]);
    await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(existsSync(reviewPath)).toBe(false);
  });

  test.each(['403', '404', '409', '422'])(
    'an API that answers %s to adoption PATCHes: each such record to review.csv with the answer, said once, the new records still created, no abort',
    async (status) => {
      const n = 6;
      const phone = (i: number) => `+1415555${String(4000 + i)}`;
      const sandbox = await startSandbox({
        rate: 0,
        faults: parseFaultSpec(`patch:${status}=1`),
        existing: Array.from({ length: n }, (_, i) => ({
          defaultFields: { firstName: `Crm${i}`, phoneNumbers: [{ name: 'mobile', value: phone(i) }] },
          source: 'openphone',
        })),
      });
      const before = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
      const input = join(dir(), 'crm.csv');
      writeRows(input, [
        header,
        ...Array.from({ length: 30 }, (_, i) => [
          `a${i}`,
          `Crm${i}`,
          'Last',
          '',
          `a${i}@example.com`,
          i < n ? phone(i) : `+1415555${String(5000 + i)}`,
          'no',
          '01/02/2024',
        ]),
      ]);
      const { log, codes } = warningLog();
      const summary = await runImport(sandbox, input, { matchExisting: ['phone'], log });
      expect(summary.abortedBecause).toBeUndefined();
      expect(summary.counts).toMatchObject({ adopted: 0, review: n, created: 30 - n, failed: 0, tripped: 0 });
      expect(codes().filter((c) => c === 'ADOPTION_REFUSED')).toHaveLength(1);
      const review = reportRows(join(stateDir(), 'review.csv'));
      expect(review).toHaveLength(n);
      for (const r of review) expect(r.why).toMatch(new RegExp(`refused to let the job adopt it: .*${status}`));
      expect(review.map((r) => r.why).join('\n')).not.toMatch(/deleted meanwhile/);
      for (const [id, c] of before) expect(sandbox.contacts().find((x) => x.id === id)).toEqual(c);
      // The next night: still for review, nothing in doubt, nothing failed.
      const again = await runImport(sandbox, input, { matchExisting: ['phone'] });
      expect(again.counts).toMatchObject({ review: n, unchanged: 30 - n, failed: 0, inDoubt: 0 });
    },
  );

  test('a contact someone changed after the job adopted it is not restored by a rollback: listed, left alone', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Ada', '+14155550101')],
    });
    const input = join(dir(), 'crm.csv');
    writeRows(input, [header, row('a', 'Ada', 'ada@example.com', '+14155550101')]);
    expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts.adopted).toBe(1);
    const ada = sandbox.contacts()[0]!;
    // The app's edit must carry a later updatedAt than the job's write: wait for the clock to pass it, not a fixed time.
    while (Date.now() <= Date.parse(ada.updatedAt)) await new Promise((r) => setImmediate(r));
    const edit = await fetch(`${sandbox.url}/v1/contacts/${ada.id}`, {
      method: 'PATCH',
      headers: { authorization: sandbox.apiKey },
      body: JSON.stringify({ defaultFields: { role: 'Edited in the app' } }),
    });
    expect(edit.status).toBe(200);
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ restored: 0, changedSince: 1 });
    expect(sandbox.contacts()[0]).toMatchObject({ externalId: 'a', defaultFields: { role: 'Edited in the app' } });
    expect(readFileSync(join(stateDir(), 'rollback.csv'), 'utf8')).toMatch(/restore,changedSince,"changed at/);
  });

  test('a first run into a workspace with app-made contacts and no matching choice stops before sending (exit 2), with both ways on', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: Array.from({ length: 14 }, (_, i) => ({
        defaultFields: { firstName: `Typed in the app ${i}` },
        source: 'openphone',
      })),
    });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 20);
    await expect(runImport(sandbox, input)).rejects.toMatchObject({
      code: 'FIRST_RUN_UNMATCHED',
      exitCode: 2,
      message: expect.stringMatching(/already has 14 contact\(s\) without an externalId/),
      hint: expect.stringMatching(/--match-existing phone,email.*--match-existing none/),
    });
    expect(sandbox.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(sandbox.contacts()).toHaveLength(14);
    // Either choice goes on: create anyway...
    expect((await runImport(sandbox, input, { matchExisting: [] })).counts.created).toBeGreaterThan(0);
    // ...and later runs of the job are no first run.
    expect((await runImport(sandbox, input)).exitCode).not.toBe(2);
  });

  test('the same from the command line, as a new user meets it: exit 2, nothing sent, the hint names both flags', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Front Desk', '+14155550100', 'work')],
    });
    const job = cliJob(dir(), 10);
    const r = await runCli(job.args(sandbox.url), { OPENPHONE_API_KEY: sandbox.apiKey });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: the workspace already has 1 contact\(s\) without an externalId .*Nothing was sent$/m,
    );
    expect(r.stderr).toMatch(
      /^hint: adopt them: add --match-existing phone,email .*--match-existing none \(or "matchExisting": \[\]\)$/m,
    );
    expect(sandbox.contacts()).toHaveLength(1);
  });

  test('a night with no new record lists nothing: the workspace is read only when a record needs matching', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      existing: [appMade('Ada', '+14155550101')],
    });
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      header,
      row('a', 'Ada', 'ada@example.com', '+14155550101'),
      row('b', 'Bob', 'bob@example.com', '+14155550102'),
    ]);
    expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts).toMatchObject({
      adopted: 1,
      created: 1,
    });
    const from = sandbox.requests().length;
    const night = await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(night.counts).toMatchObject({ unchanged: 2 });
    expect(requestsSince(sandbox, from).filter((r) => r.path === '/v1/contacts' && r.method === 'GET')).toHaveLength(0);
  });
});

describe('--delete-missing: the source deleted a record', () => {
  async function imported(n: number) {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, n);
    await runImport(sandbox, input);
    return { sandbox, input, file };
  }
  const without = (input: string, ids: readonly string[]) => {
    const out = join(dir(), 'export-after.csv');
    writeRows(
      out,
      rowsOf(input).filter((r) => !ids.includes(r[0]!)),
    );
    return out;
  };

  test("the job's contacts whose record is gone are written to deleted.csv, then deleted; the workspace's own are never touched", async () => {
    const { sandbox, input, file } = await imported(60);
    const theirs = await fetch(`${sandbox.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: sandbox.apiKey },
      body: JSON.stringify({ defaultFields: { firstName: 'Not from this job' }, externalId: 'elsewhere-1' }),
    });
    expect(theirs.status).toBe(201);
    const gone = file.valid.slice(0, 2);
    const summary = await runImport(sandbox, without(input, gone), { deleteMissing: {} });
    expect(summary.deleteMissing).toMatchObject({ missing: 2, deleted: 2, failed: 0 });
    expect(summary.exitCode).toBe(1); // the file's own bad rows
    const left = sandbox.contactsByExternalId();
    for (const id of gone) expect(left.has(id)).toBe(false);
    expect(left.has('elsewhere-1')).toBe(true);
    const deleted = reportRows(join(stateDir(), 'deleted.csv'));
    expect(deleted.map((d) => d.externalId).sort()).toEqual([...gone].sort());
    expect(deleted[0]).toMatchObject({
      firstName: expect.stringMatching(/^First/),
      phoneNumbers: expect.stringMatching(/^mobile: \+1415/),
    });
    // Back in the source: a new record again, created.
    expect((await runImport(sandbox, input)).counts.created).toBe(2);
  });

  test("more than 5% of the job's contacts: refused with the number, nothing deleted, until --max-delete allows it", async () => {
    const { sandbox, input, file } = await imported(60);
    const gone = file.valid.slice(0, 10);
    const after = without(input, gone);
    const refused = await runImport(sandbox, after, { deleteMissing: {} });
    expect(refused.deleteMissing).toMatchObject({
      missing: 10,
      deleted: 0,
      refused: expect.stringMatching(/it would delete 10 of the job's \d+ contacts/),
      refusedHint: expect.stringMatching(/add --max-delete 10$/),
    });
    expect(refused.exitCode).toBe(1);
    expect(sandbox.requests().filter((r) => r.method === 'DELETE')).toHaveLength(0);
    // report.html, for whoever reads it the next morning: why nothing was deleted, and what allows it.
    expect(readFileSync(join(stateDir(), 'report.html'), 'utf8')).toMatch(
      /Nothing was deleted: it would delete 10 of the job&#39;s \d+ contacts.*What to do: check the input is the whole export, then add --max-delete 10/,
    );
    expect((await runImport(sandbox, after, { deleteMissing: { maxDelete: 9 } })).deleteMissing).toMatchObject({
      deleted: 0,
      refused: expect.stringMatching(/more than --max-delete 9/),
    });
    expect((await runImport(sandbox, after, { deleteMissing: { maxDelete: 10 } })).deleteMissing).toMatchObject({
      deleted: 10,
    });
    const page = readFileSync(join(stateDir(), 'report.html'), 'utf8');
    expect(page).toMatch(
      /10 contact\(s\) the job had created were deleted and 0 it had adopted were given back.*deleted\.csv/,
    );
    // Beside the buckets, a row of its own with deleted.csv linked.
    expect(page).toMatch(/<a href="deleted\.csv">deleted\.csv<\/a>\)<\/th><td data-deleted="10">10<\/td>/);
    // The runs table: the refused nights deleted 0, the last 10; its folder holds the 10 as they were.
    expect([...page.matchAll(/data-run-deleted="(\d*)"/g)].map((m) => m[1])).toEqual(['0', '0', '0', '10']);
    const runs = readdirSync(join(stateDir(), 'runs'))
      .filter((f) => !f.startsWith('.'))
      .sort();
    const ownDeleted = parse(readFileSync(join(stateDir(), 'runs', runs.at(-1)!, 'deleted.csv')), {
      columns: true,
      bom: true,
    }) as Record<string, string>[];
    expect(ownDeleted.map((d) => d.externalId).sort()).toEqual([...gone].sort());
    expect(existsSync(join(stateDir(), 'runs', runs[0]!, 'deleted.csv'))).toBe(false);
  });

  test("the dry run previews the deletions: would-delete.csv names each contact, and the guards' verdict is the import's, before and after --max-delete", async () => {
    const { sandbox, input, file } = await imported(60);
    const gone = file.valid.slice(0, 10);
    const after = without(input, gone);
    const before = sandbox.requests().length;
    const refused = await dryRun({ config, input: after, stateDir: stateDir(), log: silentLog, deleteMissing: {} });
    expect(refused.wouldDelete).toMatchObject({
      delete: 10,
      release: 0,
      refused: expect.stringMatching(/it would delete 10 of the job's \d+ contacts/),
      refusedHint: expect.stringMatching(/add --max-delete 10$/),
    });
    const listed = parse(readFileSync(join(stateDir(), 'dry-run', 'would-delete.csv')), {
      columns: true,
      bom: true,
    }) as Record<string, string>[];
    expect(listed.map((d) => d.externalId).sort()).toEqual([...gone].sort());
    expect(listed[0]).toMatchObject({
      action: 'delete',
      contactId: expect.any(String),
      firstName: expect.stringMatching(/^First/),
    });
    expect(formatSummary(refused)).toMatch(
      /--delete-missing: 10 contact\(s\) the job created are no longer in the input: listed in \S+would-delete\.csv; the import would refuse to delete them/,
    );
    const allowed = await dryRun({
      config,
      input: after,
      stateDir: stateDir(),
      log: silentLog,
      deleteMissing: { maxDelete: 10 },
    });
    expect(allowed.wouldDelete).toEqual({ delete: 10, release: 0, file: expect.stringMatching(/would-delete\.csv$/) });
    expect(readFileSync(join(stateDir(), 'dry-run', 'report.html'), 'utf8')).toMatch(
      /would delete 10 contact\(s\) the job created.*<a href="would-delete\.csv">would-delete\.csv<\/a> lists each/,
    );
    // Nothing was sent, nothing deleted; a whole export previews no deletion and leaves no would-delete.csv.
    expect(sandbox.requests().length).toBe(before);
    expect(
      (await dryRun({ config, input, stateDir: stateDir(), log: silentLog, deleteMissing: {} })).wouldDelete,
    ).toEqual({ delete: 0, release: 0 });
    expect(existsSync(join(stateDir(), 'dry-run', 'would-delete.csv'))).toBe(false);
  });

  test('never on a run that did not read the whole input (--max-rows), nor on an input with a record that could not be read', async () => {
    const { sandbox, input, file } = await imported(30);
    const after = without(input, file.valid.slice(0, 1));
    const limited = await runImport(sandbox, after, { deleteMissing: { maxDelete: 5 }, maxRows: 3 });
    expect(limited.deleteMissing).toEqual({ skipped: expect.stringMatching(/--max-rows/) });
    // A stray quote: the rest of that record is unreadable, its externalId unknown.
    writeFileSync(after, readFileSync(after, 'utf8').replace(/\nr5,/, '\n"r5,'));
    const unknown = await runImport(sandbox, after, { deleteMissing: { maxDelete: 5 } });
    expect(unknown.deleteMissing).toMatchObject({
      deleted: 0,
      refused: expect.stringMatching(/could not be read \(malformed CSV\)/),
    });
    expect(sandbox.requests().filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });
});

describe('--delete-missing in a workspace people share: nothing the job did not make is deleted, nothing from a collapsed export', () => {
  const patch = (sb: Sandbox, id: string, body: unknown) =>
    fetch(`${sb.url}/v1/contacts/${id}`, {
      method: 'PATCH',
      headers: { authorization: sb.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const deletes = (sb: Sandbox) => sb.requests().filter((r) => r.method === 'DELETE').length;

  test("a failures.csv fixed and rerun under another name is no whole read: the next night's export cut short is still measured against the last export", async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 40);
    await runImport(sandbox, input);
    const fixed = join(stateDir(), 'failures-fixed.csv');
    writeFileSync(
      fixed,
      readFileSync(join(stateDir(), 'failures.csv'), 'utf8').replace(/not-an-email/g, 'ok@example.com'),
    );
    const rerun = await runImport(sandbox, fixed);
    expect(rerun.counts.read).toBeLessThan(10);
    const before = deletes(sandbox);
    const cut = join(dir(), 'export.csv');
    writeRows(cut, rowsOf(input).slice(0, 5));
    const refused = await runImport(sandbox, cut, { deleteMissing: { maxDelete: 100_000 } });
    expect(refused.deleteMissing).toMatchObject({
      deleted: 0,
      refused: expect.stringMatching(/fewer than half of the 40 /),
    });
    expect(deletes(sandbox)).toBe(before);
  });

  test.each([
    ['a header-only export', (input: string) => writeRows(input, [HEADER])],
    ['an export cut to 3 rows', (input: string) => writeRows(input, rowsOf(input).slice(0, 4))],
  ])(
    '%s deletes nothing, whatever --max-delete a cron line carries, and no hint offers a --max-delete; --confirm-delete with the exact count does',
    async (_, collapse) => {
      const sandbox = await startSandbox({ rate: 0 });
      const input = join(dir(), 'contacts.csv');
      writeContactsFile(input, 40);
      await runImport(sandbox, input);
      const ours = sandbox.contacts().length;
      const cut = join(dir(), 'export.csv');
      writeFileSync(cut, readFileSync(input));
      collapse(cut);
      const refused = await runImport(sandbox, cut, { deleteMissing: { maxDelete: 100_000 } });
      expect(refused.deleteMissing).toMatchObject({
        deleted: 0,
        refused: expect.stringMatching(/no record \(a header only\)|fewer than half/),
        refusedHint: expect.stringMatching(/--confirm-delete \d+$/),
      });
      expect(JSON.stringify(refused.deleteMissing)).not.toMatch(/--max-delete/);
      expect(refused.exitCode).toBe(1);
      expect(deletes(sandbox)).toBe(0);
      expect(sandbox.contacts()).toHaveLength(ours);
      const missing = (refused.deleteMissing as { missing: number }).missing;
      // A count that is not the run's own is refused too.
      expect(
        (await runImport(sandbox, cut, { deleteMissing: { confirmDelete: missing + 1 } })).deleteMissing,
      ).toMatchObject({ deleted: 0, refused: expect.stringMatching(/--confirm-delete \d+ does not match/) });
      const confirmed = await runImport(sandbox, cut, { deleteMissing: { confirmDelete: missing } });
      expect(confirmed.deleteMissing).toMatchObject({ deleted: missing });
      expect(sandbox.contacts()).toHaveLength(ours - missing);
    },
  );

  test("the job's own failures.csv as input never deletes, even with --max-delete and --confirm-delete", async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 40);
    await runImport(sandbox, input);
    const failures = join(stateDir(), 'failures.csv');
    const before = sandbox.contacts().length;
    const first = await runImport(sandbox, failures, { deleteMissing: { maxDelete: 100_000 } });
    expect(first.deleteMissing).toMatchObject({
      deleted: 0,
      refused: expect.stringMatching(/a failure report of this tool/),
    });
    const missing = (first.deleteMissing as { missing: number }).missing;
    expect(
      (await runImport(sandbox, failures, { deleteMissing: { maxDelete: 100_000, confirmDelete: missing } }))
        .deleteMissing,
    ).toMatchObject({ deleted: 0, refused: expect.stringMatching(/a failure report of this tool/) });
    expect(deletes(sandbox)).toBe(0);
    expect(sandbox.contacts()).toHaveLength(before);
  });

  test('an adopted contact whose record left the CRM is given back as it was (released), never deleted; one an agent edited since is left alone', async () => {
    const phone = (i: number) => `+1415555${String(2000 + i)}`;
    const sandbox = await startSandbox({
      rate: 0,
      existing: [0, 1].map((i) => ({
        defaultFields: {
          firstName: 'Crm',
          lastName: `Person${i}`,
          phoneNumbers: [{ name: 'mobile', value: phone(i) }],
        },
        source: 'openphone',
      })),
    });
    const typedInApp = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
    const input = join(dir(), 'crm.csv');
    const rows = Array.from({ length: 40 }, (_, i) => [
      `a${i}`,
      'Crm',
      `Person${i}`,
      '',
      `a${i}@example.com`,
      i < 2 ? phone(i) : `+1415555${String(3000 + i)}`,
      'no',
      '01/02/2024',
    ]);
    writeRows(input, [HEADER, ...rows]);
    const first = await runImport(sandbox, input, { matchExisting: ['phone'] });
    expect(first.counts).toMatchObject({ adopted: 2, created: 38 });
    const byExt = sandbox.contactsByExternalId();
    // An agent edits a contact the job created, after the job's last write.
    const edited = byExt.get('a5')![0]!;
    expect((await patch(sandbox, edited.id, { defaultFields: { role: 'Edited by an agent' } })).status).toBe(200);
    // The CRM deletes the two adopted people and the edited one.
    const after = join(dir(), 'crm-after.csv');
    writeRows(after, [HEADER, ...rows.filter((r) => !['a0', 'a1', 'a5'].includes(r[0]!))]);
    const run = await runImport(sandbox, after, { deleteMissing: { maxDelete: 3 } });
    expect(run.deleteMissing).toMatchObject({ missing: 3, deleted: 0, released: 2, changedSince: 1 });
    expect(deletes(sandbox)).toBe(0);
    // The app's contacts are there, as they were before the adoption: no externalId, same names and numbers.
    for (const [id, c] of typedInApp) {
      const now = sandbox.contacts().find((x) => x.id === id)!;
      expect(now.externalId).toBeNull();
      expect(now.defaultFields.firstName).toBe(c.defaultFields.firstName);
      expect(now.defaultFields.phoneNumbers.map((p) => p.value)).toEqual(
        c.defaultFields.phoneNumbers.map((p) => p.value),
      );
    }
    expect(sandbox.contacts().find((x) => x.id === edited.id)?.defaultFields.role).toBe('Edited by an agent');
  });

  /**
   * An app contact (Ada) the job adopted by phone, then deleted as an earlier
   * version's --delete-missing did, the deletion journaled: what rollback
   * makes again. `emails`: the contact's own, kept through it all.
   */
  async function adoptedThenDeleted(options: SandboxOptions, emails: { name: string; value: string }[] = []) {
    const sandbox = await startSandbox({
      rate: 0,
      ...options,
      existing: [
        {
          defaultFields: {
            firstName: 'Ada',
            lastName: 'Lovelace',
            phoneNumbers: [{ name: 'mobile', value: '+14155550101' }],
            ...(emails.length > 0 && { emails }),
          },
          source: 'openphone',
        },
      ],
    });
    const app = structuredClone(sandbox.contacts()[0]!);
    const input = join(dir(), 'crm.csv');
    writeRows(input, [
      HEADER,
      ['a', 'Ada', 'Lovelace', 'Acme', 'ada@acme.example', '+14155550101', 'no', '01/02/2024'],
    ]);
    expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts.adopted).toBe(1);
    const deleted = await fetch(`${sandbox.url}/v1/contacts/${app.id}`, {
      method: 'DELETE',
      headers: { authorization: sandbox.apiKey },
    });
    expect(deleted.status).toBe(204);
    appendFileSync(join(stateDir(), 'journal.jsonl'), `${JSON.stringify({ t: 'deleted', id: 'a', cid: app.id })}\n`);
    return { sandbox, app };
  }

  test("rollback makes again, with a new id, an adopted contact an earlier version's --delete-missing deleted, as it was before the adoption", async () => {
    const { sandbox, app } = await adoptedThenDeleted({}, [{ name: 'home', value: 'ada@home.example' }]);
    const preview = await rollback({
      stateDir: stateDir(),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
      yes: false,
      api: { requestsPerSecond: 1000 },
    });
    expect(preview.preview?.[0]).toMatch(
      /1 of them deleted by an earlier version's --delete-missing: made again, with new ids/,
    );
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ recreated: 1, exitCode: 0 });
    const [again] = sandbox.contacts();
    expect(sandbox.contacts()).toHaveLength(1);
    expect(again!.id).not.toBe(app.id);
    expect(again).toMatchObject({ externalId: null, defaultFields: { firstName: 'Ada', lastName: 'Lovelace' } });
    expect(again!.defaultFields.phoneNumbers.map((p) => p.value)).toEqual(['+14155550101']);
    expect(again!.defaultFields.emails.map((e) => e.value)).toEqual(['ada@home.example']);
    expect(readFileSync(join(stateDir(), 'rollback.csv'), 'utf8')).toMatch(
      new RegExp(`${app.id},recreate,recreated,"made again with a new id, ${again!.id}`),
    );
    // The same command again makes nothing twice.
    await rollBack(sandbox);
    expect(sandbox.contacts()).toHaveLength(1);
  });

  test('rollback re-creating a deleted adopted contact: a lost answer whose lookup fails is not sent again, and a rerun finishes it once', async () => {
    // Faults added while the sandbox runs: the gateway reads this list at every request.
    const faults: FaultRule[] = [];
    const { sandbox } = await adoptedThenDeleted({ faults });
    const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
    const undo = () =>
      rollback({
        stateDir: stateDir(),
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.url,
        log: silentLog,
        yes: true,
        // The lost answer is checked after 2 × the timeout: time for the test to break the lookups first.
        api: { requestsPerSecond: 1000, timeoutMs: 1500 },
      });
    // The create is stored and its answer lost; every lookup after it fails for good.
    faults.push({ route: 'post', kind: 'drop', at: [posts() + 1] });
    const first = undo();
    while (posts() === 0) await new Promise((r) => setTimeout(r, 5));
    faults.push({ route: 'get', kind: '400', probability: 1 });
    expect(await first).toMatchObject({ recreated: 0, failed: 1 });
    expect(posts()).toBe(1);
    expect(sandbox.contacts()).toHaveLength(1);
    expect(sandbox.contacts()[0]!.externalId).toMatch(/^restored-/);
    // The lookups answer again: the rerun finds the contact the lost create made, and gives back its externalId.
    faults.length = 0;
    expect(await undo()).toMatchObject({ recreated: 1, exitCode: 0 });
    expect(posts()).toBe(1);
    expect(sandbox.contacts()).toMatchObject([{ externalId: null, defaultFields: { firstName: 'Ada' } }]);
  });

  test('a number an agent added that a later sync kept (the job wrote last) is theirs: neither --delete-missing nor rollback deletes the contact', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 10);
    await runImport(sandbox, input);
    const id = file.valid[0]!;
    const eve = sandbox.contactsByExternalId().get(id)![0]!;
    const phones = eve.defaultFields.phoneNumbers.map((p) => ({ id: p.id, name: p.name, value: p.value }));
    const desk = { name: 'desk', value: '+14155550999' };
    expect((await patch(sandbox, eve.id, { defaultFields: { phoneNumbers: [...phones, desk] } })).status).toBe(200);
    // The CRM changes her company: the sync writes it and keeps the desk number; the contact's last write is the job's.
    const rows = rowsOf(input);
    rows.find((r) => r[0] === id)![3] = 'Renamed Co';
    writeRows(input, rows);
    expect((await runImport(sandbox, input)).counts).toMatchObject({ updated: 1 });
    const synced = sandbox.contactsByExternalId().get(id)![0]!;
    expect(synced.defaultFields.phoneNumbers.map((p) => p.value)).toContain(desk.value);
    // The CRM deletes her: the agent's number would go with the contact, so it is listed and left alone.
    writeRows(
      input,
      rowsOf(input).filter((r) => r[0] !== id),
    );
    const gone = await runImport(sandbox, input, { deleteMissing: { maxDelete: 100 } });
    expect(gone.deleteMissing).toMatchObject({ missing: 1, deleted: 0, changedSince: 1 });
    expect(sandbox.contacts().map((c) => c.id)).toContain(eve.id);
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ deleted: file.valid.length - 1, changedSince: 1 });
    expect(readFileSync(join(stateDir(), 'rollback.csv'), 'utf8')).toMatch(
      new RegExp(`${eve.id},delete,changedSince,.*someone else put there.*phone \\+14155550999`),
    );
    expect(sandbox.contacts().map((c) => c.id)).toEqual([eve.id]);
  });

  test('rollback leaves a contact the job created alone once an agent edited it', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 10);
    await runImport(sandbox, input);
    const edited = sandbox.contacts()[0]!;
    expect((await patch(sandbox, edited.id, { defaultFields: { company: 'Corrected in the app' } })).status).toBe(200);
    const rb = await rollBack(sandbox);
    expect(rb).toMatchObject({ deleted: file.valid.length - 1, changedSince: 1 });
    expect(sandbox.contacts().map((c) => c.id)).toEqual([edited.id]);
  });
});

test("kill -9 during a rollback of adoptions, then the same command: every contact put back as it was, none twice, nothing deleted that was the workspace's", async () => {
  const n = 40;
  const phone = (i: number) => `+1415555${String(1000 + i)}`;
  const sandbox = await startSandbox({
    rate: 0,
    latencyMs: [15, 15],
    // The same people the CRM has (as the app keeps them: a first name only).
    existing: Array.from({ length: n }, (_, i) => ({
      defaultFields: { firstName: `Crm ${i}`, phoneNumbers: [{ name: 'mobile', value: phone(i) }] },
      source: 'openphone',
    })),
  });
  const before = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
  const input = join(dir(), 'crm.csv');
  writeRows(input, [
    HEADER,
    ...Array.from({ length: n }, (_, i) => [
      `a${i}`,
      `Crm ${i}`,
      'Last',
      '',
      `a${i}@example.com`,
      phone(i),
      'no',
      '01/02/2024',
    ]),
  ]);
  expect((await runImport(sandbox, input, { matchExisting: ['phone'] })).counts.adopted).toBe(n);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const args = ['rollback', '--state-dir', stateDir(), '--base-url', sandbox.url, '--yes'];
  const patchesBefore = sandbox.requests().filter((r) => r.method === 'PATCH').length;
  const restores = () => sandbox.requests().filter((r) => r.method === 'PATCH').length - patchesBefore;
  await killCliWhen(args, env, () => restores() >= 12);
  const rest = await runCli(args, env);
  expect(rest.code).toBe(0);
  // The restores the killed run made count as restored, not as already gone: all n of them.
  expect(rest.stdout).toMatch(new RegExp(`restored ${n}, already gone 0`));
  // Every contact is there, as it was before the job: names, numbers, no externalId.
  expect(sandbox.contacts()).toHaveLength(n);
  for (const [id, c] of before) {
    const now = sandbox.contacts().find((x) => x.id === id)!;
    expect(now.externalId).toBeNull();
    expect(now.defaultFields.firstName).toBe(c.defaultFields.firstName);
    expect(now.defaultFields.emails).toEqual([]);
    expect(now.defaultFields.phoneNumbers.map((p) => p.value)).toEqual(
      c.defaultFields.phoneNumbers.map((p) => p.value),
    );
  }
  // A restore cut by the kill may be sent once more: never more than that.
  expect(restores()).toBeLessThanOrEqual(n + 4);
}, 60_000);
