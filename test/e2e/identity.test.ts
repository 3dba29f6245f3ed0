import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dryRun } from '../../src/job/dry-run.js';
import { importJob } from '../../src/job/import-job.js';
import { silentLog, type Log } from '../../src/log.js';
import type { ResolvedConfig } from '../../src/config/resolved.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { configFrom } from '../helpers/config.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { warningLog } from '../helpers/warnings.js';

/**
 * A record's identity is everything that picks its externalId: a config edit
 * that changes any finished record's id is refused before anything is sent,
 * whichever part of the config it is in (here: the "split" the tool's own
 * EMAIL_INVALID hint proposes on a column the id template reads).
 */
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

const CSV = [
  'Email,First Name,Phone',
  'ada@example.com,Ada,+14155550101',
  'bob@example.com;bob@work.example,Bob,+14155550102',
  'cy@example.com,Cy,+14155550103',
  '',
].join('\n');
const rawConfig = (split?: string, idSplit?: false) => ({
  externalId: { template: 'crm-{Email}', ...(idSplit === false && { split: false }) },
  defaultFields: {
    firstName: 'First Name',
    emails: [{ column: 'Email', name: 'work', ...(split && { split }) }],
    phoneNumbers: [{ column: 'Phone', name: 'mobile' }],
  },
  matchExisting: [],
});

test.each(['409', 'per-source'] as const)(
  'uniqueness %s: following the split hint on a column the id template reads: refused (exit 2) naming the record, then "split": false splits the e-mails and keeps every id',
  async (uniqueExternalId) => {
    const sandbox = await startSandbox({ rate: 0, uniqueExternalId });
    const input = join(dir(), 'contacts.csv');
    writeFileSync(input, CSV);
    const stateDir = join(dir(), 'state');
    const run = (raw: object) =>
      importJob({
        config: configFrom(raw),
        input,
        stateDir,
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.url,
        log: silentLog,
      });
    const first = await run(rawConfig());
    expect(first.counts.created).toBe(3);
    expect(first.problemGroups.flatMap((g) => g.examples.map((e) => e.message)).join()).toMatch(/add "split": ";"/);
    // The dry run a person runs after following the hint says the import would stop, and why.
    const preview = warningLog();
    await dryRun({ config: configFrom(rawConfig(';')), input, stateDir, log: preview.log });
    expect(preview.codes()).toEqual(['EXTERNAL_ID_CHANGED']);
    expect(preview.warnings[0]!.message).toMatch(
      /^the import would stop before sending: .*line 3[^]*hint: .*"split": false/,
    );
    await expect(run(rawConfig(';'))).rejects.toMatchObject({
      code: 'EXTERNAL_ID_CHANGED',
      exitCode: 2,
      message: expect.stringMatching(
        /gives 1 record\(s\) the job finished a new externalId \(line 3: "crm-bob@example.com;bob@work.example" → "crm-bob@example.com"\)/,
      ),
      hint: expect.stringMatching(/add "split": false to externalId/),
    });
    expect(sandbox.requests().filter((r) => r.method !== 'GET')).toHaveLength(3);
    const kept = await run(rawConfig(';', false));
    expect(kept.counts).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(sandbox.contacts()).toHaveLength(3);
    expect(
      sandbox
        .contactsByExternalId()
        .get('crm-bob@example.com;bob@work.example')![0]!
        .defaultFields.emails.map((e) => e.value),
    ).toEqual(['bob@example.com', 'bob@work.example']);
  },
);

test.each(['409', 'per-source'] as const)(
  "uniqueness %s: a split that changes no finished record's id is taken, and recorded so later runs compare with it",
  async (uniqueExternalId) => {
    const sandbox = await startSandbox({ rate: 0, uniqueExternalId });
    const input = join(dir(), 'contacts.csv');
    writeFileSync(input, CSV.replace('bob@example.com;bob@work.example', 'bob@example.com'));
    const stateDir = join(dir(), 'state');
    const run = (raw: object) =>
      importJob({
        config: configFrom(raw),
        input,
        stateDir,
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.url,
        log: silentLog,
      });
    expect((await run(rawConfig())).counts.created).toBe(3);
    expect((await run(rawConfig(';'))).counts).toMatchObject({ created: 0, unchanged: 3 });
    expect(readFileSync(join(stateDir, 'journal.jsonl'), 'utf8')).toMatch(
      /"t":"identity","definition":"template \\"crm-\{Email\}\\", \{Email\} split \\";\\""/,
    );
    // A later cell with the separator is a new record under the new reading: no record of the job changes.
    expect((await run(rawConfig(';'))).exitCode).toBe(0);
    expect(sandbox.contacts()).toHaveLength(3);
  },
);

describe.each(['409', 'per-source'] as const)(
  "uniqueness %s: another integration holds contacts with the job's externalIds",
  (uniqueExternalId) => {
    test("its contacts are never claimed, updated or deleted; the job's own are found by their source", async () => {
      const ids = ['crm-ada@example.com', 'crm-cy@example.com'];
      const sandbox = await startSandbox({
        rate: 0,
        uniqueExternalId,
        existing: ids.map((externalId) => ({
          defaultFields: { firstName: `HubSpot ${externalId}` },
          externalId,
          source: 'hubspot',
        })),
      });
      const theirs = new Map(sandbox.contacts().map((c) => [c.id, structuredClone(c)]));
      const input = join(dir(), 'contacts.csv');
      writeFileSync(input, CSV);
      const stateDir = join(dir(), 'state');
      const run = (onExisting: 'skip' | 'update' = 'update') =>
        importJob({
          config: configFrom(rawConfig(';', false)),
          input,
          stateDir,
          apiKey: sandbox.apiKey,
          baseUrl: sandbox.url,
          log: silentLog,
          onExisting,
        });
      const first = await run();
      if (uniqueExternalId === '409') expect(first.counts).toMatchObject({ created: 1, existing: 2, updated: 0 });
      else expect(first.counts).toMatchObject({ created: 3, existing: 0 });
      // The CRM changes Ada: a sync writes the job's own contact (per-source), or none (409: the id is another's).
      writeFileSync(input, CSV.replace('ada@example.com,Ada,', 'ada@example.com,Adeline,'));
      await run();
      for (const [id, c] of theirs) expect(sandbox.contacts().find((x) => x.id === id)).toEqual(c);
      const ours = sandbox.contacts().filter((c) => c.source === 'public-api');
      expect(ours).toHaveLength(uniqueExternalId === '409' ? 1 : 3);
      if (uniqueExternalId === 'per-source')
        expect(ours.find((c) => c.externalId === 'crm-ada@example.com')?.defaultFields.firstName).toBe('Adeline');
      const { rollback } = await import('../../src/rollback/rollback.js');
      const rb = await rollback({
        stateDir,
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.url,
        log: silentLog,
        yes: true,
        api: { requestsPerSecond: 1000 },
      });
      expect(rb.exitCode).toBe(0);
      expect(new Set(sandbox.contacts().map((c) => c.id))).toEqual(new Set(theirs.keys()));
    });
  },
);

test.each(['409', 'per-source'] as const)(
  'uniqueness %s: a changed source is refused before anything is sent: the job would no longer know its contacts',
  async (uniqueExternalId) => {
    const sandbox = await startSandbox({ rate: 0, uniqueExternalId });
    const input = join(dir(), 'contacts.csv');
    writeFileSync(input, CSV);
    const stateDir = join(dir(), 'state');
    const run = (raw: object) =>
      importJob({
        config: configFrom(raw),
        input,
        stateDir,
        apiKey: sandbox.apiKey,
        baseUrl: sandbox.url,
        log: silentLog,
      });
    expect((await run(rawConfig())).counts.created).toBe(3);
    const before = sandbox.requests().length;
    await expect(run({ ...rawConfig(), source: 'crm-sync' })).rejects.toMatchObject({
      code: 'SOURCE_CHANGED',
      exitCode: 2,
      message: expect.stringMatching(
        /found "crm-sync", but this job .* gave its contacts the source "public-api" \(the API's default\)/,
      ),
    });
    expect(sandbox.requests().length).toBe(before);
    expect((await run(rawConfig())).counts.unchanged).toBe(3);
  },
);

/** Jobs of one config and input into one sandbox, each in a state directory of its own: imports, and dry runs with the key. */
const jobsOf = (sandbox: Sandbox, input: string, config: ResolvedConfig) => ({
  run: (stateDir: string, log: Log = silentLog) =>
    importJob({ config, input, stateDir: join(dir(), stateDir), apiKey: sandbox.apiKey, baseUrl: sandbox.url, log }),
  dry: (stateDir: string, log: Log, options: { config?: ResolvedConfig; input?: string } = {}) =>
    dryRun({
      config: options.config ?? config,
      input: options.input ?? input,
      stateDir: join(dir(), stateDir),
      log,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
    }),
});

describe.each(['409', 'per-source'] as const)(
  "uniqueness %s: contacts of the job's own source that another job made (another --state-dir, or a lost one)",
  (uniqueExternalId) => {
    test('are left alone, counted apart from the workspace’s others, and warned of once, in the import and its dry run', async () => {
      // Another integration holds Cy's id: existing too, but nobody's job of this config.
      const sandbox = await startSandbox({
        rate: 0,
        uniqueExternalId,
        existing: [{ defaultFields: { firstName: 'HubSpot Cy' }, externalId: 'crm-cy@example.com', source: 'hubspot' }],
      });
      const input = join(dir(), 'contacts.csv');
      writeFileSync(input, CSV.replace('bob@example.com;bob@work.example', 'bob@example.com'));
      const jobs = jobsOf(sandbox, input, configFrom(rawConfig()));
      const first = await jobs.run('first');
      expect(first.ofAnotherJob).toBeUndefined();
      const made = uniqueExternalId === '409' ? 2 : 3;
      expect(first.counts.created).toBe(made);
      const before = structuredClone(sandbox.contacts());

      const second = warningLog();
      const again = await jobs.run('second', second.log);
      expect(again.counts).toMatchObject({ created: 0, existing: 3 });
      expect(again.ofAnotherJob).toBe(made);
      expect(again.exitCode).toBe(0);
      expect(second.codes()).toEqual(['CONTACTS_OF_ANOTHER_JOB']);
      expect(second.warnings[0]!.message).toContain('"crm-ada@example.com"');
      expect(sandbox.contacts()).toEqual(before);

      // The dry run that lists the workspace says the same before anything is sent.
      const preview = warningLog();
      const dry = await jobs.dry('third', preview.log, {
        config: configFrom({ ...rawConfig(), matchExisting: ['email'] }),
      });
      expect(dry.counts).toMatchObject({ valid: 0, existing: 3 });
      expect(dry.ofAnotherJob).toBe(made);
      expect(preview.codes()).toContain('CONTACTS_OF_ANOTHER_JOB');

      // An import that lists the workspace (matching chosen) knows them before sending: no create meets a 409.
      const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
      const postsBefore = posts();
      const listing = warningLog();
      const matched = await jobsOf(sandbox, input, configFrom({ ...rawConfig(), matchExisting: ['email'] })).run(
        'fourth',
        listing.log,
      );
      expect(matched.counts).toMatchObject({ created: 0, existing: 3 });
      expect(posts()).toBe(postsBefore);
      expect(listing.codes()).toContain('CONTACTS_OF_ANOTHER_JOB');
      expect(sandbox.contacts()).toEqual(before);
    });

    test("a first run's dry run with a key finds them in the workspace's first pages (no matching chosen), as the import finds them by 409", async () => {
      const sandbox = await startSandbox({ rate: 0, uniqueExternalId });
      const input = join(dir(), 'contacts.csv');
      writeFileSync(input, CSV.replace('bob@example.com;bob@work.example', 'bob@example.com'));
      const { matchExisting: _, ...unchosen } = rawConfig();
      const jobs = jobsOf(sandbox, input, configFrom(unchosen));
      expect((await jobs.run('first')).counts.created).toBe(3);
      const preview = warningLog();
      const dry = await jobs.dry('second', preview.log);
      expect(preview.codes()).toEqual(['CONTACTS_OF_ANOTHER_JOB']);
      expect(dry.counts).toMatchObject({ valid: 0, existing: 3 });
      expect(dry.ofAnotherJob).toBe(3);
      const second = warningLog();
      const again = await jobs.run('second', second.log);
      expect(second.codes()).toEqual(['CONTACTS_OF_ANOTHER_JOB']);
      expect(again.counts).toMatchObject({ created: 0, existing: 3 });
      expect(again.ofAnotherJob).toBe(3);

      // Another job of the same source whose records are others: nothing to warn of.
      const others = join(dir(), 'others.csv');
      writeFileSync(others, CSV.replaceAll('@example.com', '@other.example'));
      const quiet = warningLog();
      const elsewhere = await jobs.dry('third', quiet.log, { input: others });
      expect(quiet.codes()).toEqual([]);
      expect(elsewhere.counts).toMatchObject({ valid: 3, existing: 0 });
    });
  },
);

test('an export saved again by a spreadsheet app, its ids of digits without their leading zeros: those records fail naming the contact they are, nothing is created twice, and --delete-missing keeps them', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const config = configFrom({
    externalId: 'Record ID',
    defaultFields: { firstName: 'First Name', phoneNumbers: [{ column: 'Phone', name: 'mobile' }] },
    matchExisting: [],
  });
  const stateDir = join(dir(), 'state');
  const run = async (rows: readonly string[]) => {
    const input = join(dir(), 'contacts.csv');
    writeFileSync(input, ['Record ID,First Name,Phone', ...rows, ''].join('\n'));
    return importJob({
      config,
      input,
      stateDir,
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
      deleteMissing: { maxDelete: 10 },
    });
  };
  const first = await run(['000123,Ada,+14155550101', '000124,Grace,+14155550102', '000125,Alan,+14155550103']);
  expect(first.counts.created).toBe(3);
  const saved = await run([
    '123,Ada,14155550101',
    '124,Grace,14155550102',
    '000125,Alan,+14155550103',
    '000126,Cy,+14155550104',
  ]);
  expect(saved.counts).toMatchObject({ created: 1, unchanged: 1, failed: 2 });
  expect(saved.problems).toEqual({ EXTERNAL_ID_ZEROS_CHANGED: 2 });
  expect(saved.deleteMissing).toMatchObject({ missing: 0, deleted: 0 });
  expect(sandbox.contacts().map((c) => c.externalId)).toEqual(['000123', '000124', '000125', '000126']);
  const failures = readFileSync(join(stateDir, 'failures.csv'), 'utf8');
  expect(failures).toContain('EXTERNAL_ID_ZEROS_CHANGED');
  expect(failures).toContain('""000123""');
});
