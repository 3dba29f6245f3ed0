import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { importJob, type ImportOptions } from '../../src/job/import-job.js';
import { replayJournal } from '../../src/journal/replay.js';
import { formatSummary } from '../../src/report/summary.js';
import { silentLog, type Log } from '../../src/log.js';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { type Sandbox } from '../../src/sandbox/server.js';
import { configFrom } from '../helpers/config.js';
import { cliJob, importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

async function runImport(
  sb: Sandbox,
  input: string,
  extra: Partial<ImportOptions> & { api?: Record<string, unknown> } = {},
) {
  const { api, ...rest } = extra;
  return importJob({
    config: configFrom(importConfig(api)),
    input,
    stateDir: join(dir(), 'state'),
    apiKey: sb.apiKey,
    baseUrl: sb.url,
    log: silentLog,
    ...rest,
  });
}

/** Every valid record exists exactly once in the sandbox, and nothing else does. */
function expectExactlyOnce(sb: Sandbox, valid: string[]) {
  const byId = sb.contactsByExternalId();
  expect(sb.stats().duplicateExternalIds).toBe(0);
  expect([...byId.keys()].sort()).toEqual([...valid].sort());
  for (const contacts of byId.values()) expect(contacts).toHaveLength(1);
}

test('2,000 records with a few hundred invalid: exactly the valid ones, once each, with their fields', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 2000);
  const summary = await runImport(sandbox, input);
  expect(file.invalidLines.length + file.duplicateLines.length).toBeGreaterThan(250);
  expect(summary.counts).toMatchObject({
    read: 2000,
    created: file.valid.length,
    unchanged: 0,
    duplicate: file.duplicateLines.length,
    failed: file.invalidLines.length,
    notSent: 0,
  });
  expect(summary.invariant.holds).toBe(true);
  expect(summary.exitCode).toBe(1);
  expectExactlyOnce(sandbox, file.valid);
  const ada = sandbox.contactsByExternalId().get('r3')![0]!;
  expect(ada).toMatchObject({
    source: 'test-import',
    defaultFields: {
      firstName: 'First3',
      lastName: 'Last3',
      company: 'Company 3',
      emails: [{ name: 'work', value: 'user3@example.com' }],
      phoneNumbers: [{ name: 'mobile', value: '+14152000003' }],
    },
    customFields: [
      expect.objectContaining({ key: 'vip', value: true }),
      expect.objectContaining({ key: 'signup-date', value: '2024-03-15T04:00:00.000Z' }),
    ],
  });
  const stateDir = join(dir(), 'state');
  const failures = parse(readFileSync(join(stateDir, 'failures.csv')), { columns: true, bom: true }) as Record<
    string,
    string
  >[];
  expect(failures.map((f) => Number(f._error_line)).sort((a, b) => a - b)).toEqual(
    [...file.invalidLines, ...file.duplicateLines].sort((a, b) => a - b),
  );
  const created = parse(readFileSync(join(stateDir, 'created.csv')), { columns: true, bom: true }) as Record<
    string,
    string
  >[];
  expect(created).toHaveLength(file.valid.length);
  expect(created.find((c) => c.externalId === 'r3')).toEqual({ line: '5', externalId: 'r3', contactId: ada.id });

  // The same command again: everything is already done, nothing is sent (only the workspace check is read).
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  const before = posts();
  const again = await runImport(sandbox, input);
  expect(again.counts).toMatchObject({
    read: 2000,
    created: 0,
    unchanged: file.valid.length,
    failed: file.invalidLines.length,
  });
  expect(posts()).toBe(before);
});

test.each(['409', 'off'] as const)(
  'uniqueExternalId %s: with faults (5%% 500s, 3%% resets, 3%% store-then-drop, 1%% hangs, 429 bursts) every valid record is created exactly once',
  async (uniqueExternalId) => {
    const sandbox = await startSandbox({
      rate: 0,
      uniqueExternalId,
      seed: 42,
      hangMs: 30_000,
      burstMs: 200,
      // Each kind once at a fixed request, so every run sees all of them, then by probability.
      faults: parseFaultSpec(
        'post:hang=#5,post:429=#20,post:drop=#30,post:reset=#40,post:500=#50,post:500=0.05,post:reset=0.03,post:drop=0.03,post:hang=0.01,429=0.005,get:500=0.05',
      ),
    });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 700);
    const summary = await runImport(sandbox, input, {
      api: { timeoutMs: 400, retry: { attempts: 10, baseDelayMs: 5, maxDelayMs: 40 } },
    });
    const faults = sandbox.stats().byFault;
    expect(Object.keys(faults).sort()).toEqual(['429', '500', 'drop', 'hang', 'reset']);
    expect(summary.problems).toEqual(
      expect.not.objectContaining({ CONFLICT_NOT_FOUND: expect.anything(), LOOKUP_FAILED: expect.anything() }),
    );
    expect(summary.counts).toMatchObject({ created: file.valid.length, failed: file.invalidLines.length, notSent: 0 });
    expect(summary.invariant.holds).toBe(true);
    expect(summary.requests).toMatchObject({ lookups: expect.any(Number), rateLimited: expect.any(Number) });
    expect(summary.requests!.lookups).toBeGreaterThan(0);
    expectExactlyOnce(sandbox, file.valid);
  },
);

test('401: the job stops at once (exit 3), no record is marked failed, and the next run picks up', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 60);
  const bad = await runImport(sandbox, input, { apiKey: 'wrong-key' });
  expect(bad.exitCode).toBe(3);
  // Nothing is asked after the first 401.
  expect(sandbox.requests().map((r) => r.status)).toEqual([401]);
  expect(bad.abortedBecause).toMatch(/401/);
  expect(bad.abortHint).toBe('check OPENPHONE_API_KEY, then rerun the same command to continue');
  expect(formatSummary(bad)).toMatch(/ {2}ABORTED: .*401.*\n {2}hint: check OPENPHONE_API_KEY/);
  expect(bad.counts.created).toBe(0);
  expect(bad.problems).not.toHaveProperty('API_401');
  expect(bad.invariant.holds).toBe(true);
  const good = await runImport(sandbox, input);
  expect(good.counts.created).toBe(file.valid.length);
  expectExactlyOnce(sandbox, file.valid);
});

test('--max-rows stops early with exit 4; the rerun continues without duplicates', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 100);
  const first = await runImport(sandbox, input, { maxRows: 30 });
  expect(first.exitCode).toBe(4);
  expect(first.stoppedEarly).toMatch(/--max-rows 30/);
  expect(first.counts.created).toBe(30);
  expect(first.invariant.holds).toBe(true);
  const second = await runImport(sandbox, input);
  expect(second.counts).toMatchObject({ created: file.valid.length - 30, unchanged: 30 });
  expectExactlyOnce(sandbox, file.valid);
});

test('a stop signal stops reading, lets requests finish, exits 4', async () => {
  const sandbox = await startSandbox({ rate: 0, latencyMs: [20, 40] });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 300);
  const stop = new AbortController();
  const running = runImport(sandbox, input, { stop: stop.signal, api: { requestsPerSecond: 100 } });
  // Stop after the tenth create, however slow or fast the machine: 290 are still to come.
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  while (posts() < 10) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  const first = await running;
  expect(first.exitCode).toBe(4);
  expect(first.counts.created).toBeGreaterThan(0);
  expect(first.counts.created).toBeLessThan(file.valid.length);
  expect(first.invariant.holds).toBe(true);
  const second = await runImport(sandbox, input);
  expect(second.counts.created + second.counts.unchanged).toBe(file.valid.length);
  expectExactlyOnce(sandbox, file.valid);
});

test('permanent failures are not resent unchanged; a changed record is sent again', async () => {
  // The first two creates are refused for good (422).
  const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:422=#1#2') });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 10);
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  const first = await runImport(sandbox, input);
  expect(first.problems).toMatchObject({ API_422_0800422: 2 });
  const refused = sandbox
    .requests()
    .filter((r) => r.status === 422)
    .map((r) => r.externalIds![0]!);
  const before = posts();
  const second = await runImport(sandbox, input);
  expect(second.problems).toMatchObject({ API_422_0800422: 2 });
  expect(posts()).toBe(before);
  const failures = parse(readFileSync(join(dir(), 'state', 'failures.csv')), { columns: true, bom: true }) as Record<
    string,
    string
  >[];
  expect(failures.find((f) => f._error_code === 'API_422_0800422')!._error_message).toMatch(
    /unchanged since an earlier run/,
  );
  const n = refused[0]!.slice(1);
  writeFileSync(input, readFileSync(input, 'utf8').replace(`${refused[0]},First${n},`, `${refused[0]},Firstname${n},`));
  const third = await runImport(sandbox, input);
  expect(posts()).toBe(before + 1);
  expect(third.counts.created).toBe(1);
  expect(third.problems).toMatchObject({ API_422_0800422: 1 });
});

describe('--on-existing: contacts made before this job', () => {
  async function withExisting() {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 30);
    const existing = file.valid.slice(0, 3);
    const ids: string[] = [];
    for (const id of existing) {
      // The job's own source (a contact is its source and externalId): another tool of this CRM made them before the job.
      const r = await fetch(`${sandbox.url}/v1/contacts`, {
        method: 'POST',
        headers: { authorization: sandbox.apiKey },
        body: JSON.stringify({ defaultFields: { firstName: 'Before' }, externalId: id, source: 'test-import' }),
      });
      ids.push(((await r.json()) as { data: { id: string } }).data.id);
    }
    return { sandbox, input, file, existing, ids };
  }

  test('skip (the default): left alone, counted as existing, never duplicated', async () => {
    const { sandbox, input, file, existing, ids } = await withExisting();
    const summary = await runImport(sandbox, input);
    expect(summary.counts).toMatchObject({ created: file.valid.length - 3, existing: 3, updated: 0 });
    expectExactlyOnce(sandbox, file.valid);
    existing.forEach((id, k) =>
      expect(sandbox.contactsByExternalId().get(id)![0]).toMatchObject({
        id: ids[k],
        defaultFields: { firstName: 'Before' },
      }),
    );
    // Lookups are batched: far fewer than the records.
    expect(summary.requests!.lookups).toBeLessThanOrEqual(2);
  });

  test('update: PATCHed with the mapped fields, counted as updated; a rerun sends nothing', async () => {
    const { sandbox, input, file, existing, ids } = await withExisting();
    const summary = await runImport(sandbox, input, { onExisting: 'update' });
    expect(summary.counts).toMatchObject({ created: file.valid.length - 3, updated: 3, unchanged: 0 });
    expect(summary.invariant.holds).toBe(true);
    expectExactlyOnce(sandbox, file.valid);
    existing.forEach((id, k) => {
      const c = sandbox.contactsByExternalId().get(id)![0]!;
      expect(c.id).toBe(ids[k]);
      expect(c.defaultFields.firstName).toBe(`First${id.slice(1)}`);
      expect(c.customFields).toContainEqual(expect.objectContaining({ key: 'vip' }));
    });
    const patches = sandbox.requests().filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(3);
    const again = await runImport(sandbox, input, { onExisting: 'update' });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: file.valid.length });
    // The 3 made before the job, one POST per valid record (the 3 existing ones answered 409), the 3 PATCHes; the rerun sends nothing.
    expect(sandbox.requests().filter((r) => r.method === 'PATCH' || r.method === 'POST')).toHaveLength(
      3 + file.valid.length + patches.length,
    );
    expect(sandbox.requests().filter((r) => r.status === 409)).toHaveLength(3);
  });

  test('created.csv lists only the contacts this job made: not those it left alone (skip) nor those it updated (update)', async () => {
    const createdIds = (stateDir: string) =>
      (parse(readFileSync(join(stateDir, 'created.csv')), { columns: true, bom: true }) as Record<string, string>[])
        .map((r) => r.externalId)
        .sort();
    for (const onExisting of ['skip', 'update'] as const) {
      const { sandbox, input, file, existing } = await withExisting();
      const stateDir = join(dir(), `state-${onExisting}`);
      await runImport(sandbox, input, { onExisting, stateDir });
      const made = file.valid.filter((id) => !existing.includes(id)).sort();
      expect(createdIds(stateDir)).toEqual(made);
    }
  });
});

test('the workspace check: a custom field the workspace lacks, or of another type, stops before anything is sent (exit 2)', async () => {
  const sandbox = await startSandbox({
    rate: 0,
    customFields: [
      { name: 'VIP', key: 'vip', type: 'string' },
      { name: 'Signup', key: 'signup-day', type: 'date' },
    ],
  });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 10);
  const run = runImport(sandbox, input);
  await expect(run).rejects.toMatchObject({ code: 'WORKSPACE_MISMATCH', exitCode: 2 });
  const message = await run.catch((e: Error) => e.message);
  expect(message).toMatch(
    /customFields\[0\]\.type: found "boolean": the workspace's field "vip" \(VIP\) has type "string"/,
  );
  expect(message).toMatch(
    /customFields\[1\]\.key: found "signup-date": not a custom field of this workspace \(did you mean "signup-day"\?\)/,
  );
  expect(message).toMatch(/the workspace's custom fields: vip \(string, "VIP"\), signup-day \(date, "Signup"\)/);
  expect(sandbox.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/contact-custom-fields']);
});

test('the API key appears in no file the run writes and in no log line, errors included', async () => {
  const secret = 'sk-live-SECRET-9f8e7d6c5b4a';
  const sandbox = await startSandbox({
    rate: 0,
    apiKeys: [secret],
    faults: parseFaultSpec('post:500=#1,post:reset=#2,post:drop=#3'),
  });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 20);
  const lines: string[] = [];
  const log: Log = { info: (m) => lines.push(m), warn: (m) => lines.push(m) };
  const summary = await runImport(sandbox, input, { apiKey: secret, log });
  // A wrong key that contains the right one: the error must name neither.
  const wrong = await runImport(sandbox, input, { apiKey: `${secret}-wrong`, log, stateDir: join(dir(), 'state2') });
  expect(wrong.exitCode).toBe(3);
  for (const stateDir of [join(dir(), 'state'), join(dir(), 'state2')]) {
    // Every file, those each run keeps in runs/<start>/ too: private, and without the key.
    for (const f of readdirSync(stateDir, { recursive: true }) as string[]) {
      const path = join(stateDir, f);
      if (statSync(path).isDirectory()) {
        expect([f, statSync(path).mode & 0o777]).toEqual([f, 0o700]);
        continue;
      }
      expect([f, readFileSync(path, 'utf8').includes(secret)]).toEqual([f, false]);
      expect([f, statSync(path).mode & 0o777]).toEqual([f, 0o600]);
    }
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
  }
  expect(JSON.stringify({ summary, wrong, lines })).not.toContain(secret);
});

test("the 409 path: a create stored after its answer was lost and after the lookup missed it; the resend's 409 ends as created, not failed", async () => {
  const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:late=#2#5#9') });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 30);
  const summary = await runImport(sandbox, input);
  expect(sandbox.requests().filter((r) => r.status === 409)).toHaveLength(3);
  expect(summary.counts).toMatchObject({ created: file.valid.length, failed: file.invalidLines.length, unchanged: 0 });
  expectExactlyOnce(sandbox, file.valid);
  const created = parse(readFileSync(join(dir(), 'state', 'created.csv')), { columns: true, bom: true }) as Record<
    string,
    string
  >[];
  expect(created).toHaveLength(file.valid.length);
  for (const c of sandbox.contacts()) expect(created.find((r) => r.externalId === c.externalId)!.contactId).toBe(c.id);
});

test('the journal replays to the sandbox state after a run', async () => {
  const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:drop=0.1'), seed: 3 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 120);
  await runImport(sandbox, input);
  const state = await replayJournal(join(dir(), 'state', 'journal.jsonl'));
  expect(state.done.size).toBe(file.valid.length);
  expect(state.inDoubt.size).toBe(0);
  for (const c of sandbox.contacts()) expect(state.done.has(c.externalId!)).toBe(true);
});

describe('the state directory belongs to one workspace', () => {
  test('the same state directory against another API: exit 2 naming the API it belongs to, nothing sent', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const other = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 20);
    expect((await runImport(sandbox, input)).counts.created).toBe(file.valid.length);
    const run = runImport(other, input);
    await expect(run).rejects.toMatchObject({ code: 'STATE_OTHER_WORKSPACE', exitCode: 2 });
    const err = (await run.catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err!.message).toContain(`belongs to the API at ${sandbox.url}`);
    expect(err!.hint).toMatch(/add --state-dir with a new folder/);
    expect(other.requests()).toHaveLength(0);
    expect(other.contacts()).toHaveLength(0);
  });

  test('--same-workspace with a key whose workspace lacks the contacts the job made: refused (exit 2), nothing sent, the job keeps its key', async () => {
    const sandbox = await startSandbox({ rate: 0, apiKeys: ['key-one-aaaaaaaaaaaa', 'key-two-bbbbbbbbbbbb'] });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 20);
    await runImport(sandbox, input, { apiKey: 'key-one-aaaaaaaaaaaa', maxRows: 5 });
    // The second key sees none of them, as a key of another workspace at the same URL would.
    for (const c of sandbox.contacts())
      await fetch(`${sandbox.url}/v1/contacts/${c.id}`, {
        method: 'DELETE',
        headers: { authorization: 'key-one-aaaaaaaaaaaa' },
      });
    const before = sandbox.requests().filter((r) => r.method === 'POST').length;
    await expect(
      runImport(sandbox, input, { apiKey: 'key-two-bbbbbbbbbbbb', sameWorkspace: true }),
    ).rejects.toMatchObject({
      code: 'NOT_SAME_WORKSPACE',
      exitCode: 2,
      message: expect.stringMatching(/none of 5 contacts this job made .* is in the workspace of the new key/),
    });
    expect(sandbox.requests().filter((r) => r.method === 'POST')).toHaveLength(before);
    // Still bound to the first key.
    await expect(runImport(sandbox, input, { apiKey: 'key-two-bbbbbbbbbbbb' })).rejects.toMatchObject({
      code: 'STATE_OTHER_WORKSPACE',
    });
  });

  test('the key fingerprint is salted per job: one key gives two jobs different fingerprints', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 3);
    const header = (state: string) =>
      JSON.parse(readFileSync(join(state, 'journal.jsonl'), 'utf8').split('\n')[0]!) as {
        keyFingerprint: string;
        keySalt: string;
      };
    await runImport(sandbox, input, { stateDir: join(dir(), 'job-a') });
    await runImport(sandbox, input, { stateDir: join(dir(), 'job-b') });
    const [a, b] = [header(join(dir(), 'job-a')), header(join(dir(), 'job-b'))];
    expect(a.keySalt).not.toBe(b.keySalt);
    expect(a.keyFingerprint).not.toBe(b.keyFingerprint);
    expect(JSON.stringify(a)).not.toContain(sandbox.apiKey);
  });

  test('another key for the same API: exit 2; with --same-workspace (a rotated key) the job goes on and is bound to the new key', async () => {
    const sandbox = await startSandbox({ rate: 0, apiKeys: ['key-one-aaaaaaaaaaaa', 'key-two-bbbbbbbbbbbb'] });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 20);
    await runImport(sandbox, input, { apiKey: 'key-one-aaaaaaaaaaaa', maxRows: 5 });
    const before = sandbox.requests().length;
    await expect(runImport(sandbox, input, { apiKey: 'key-two-bbbbbbbbbbbb' })).rejects.toMatchObject({
      code: 'STATE_OTHER_WORKSPACE',
      hint: expect.stringMatching(/run once with --same-workspace/),
    });
    expect(sandbox.requests()).toHaveLength(before);
    const rotated = await runImport(sandbox, input, { apiKey: 'key-two-bbbbbbbbbbbb', sameWorkspace: true });
    expect(rotated.counts).toMatchObject({ created: file.valid.length - 5, unchanged: 5 });
    // Bound to the new key now: it needs no flag, the old one is refused.
    expect((await runImport(sandbox, input, { apiKey: 'key-two-bbbbbbbbbbbb' })).counts.unchanged).toBe(
      file.valid.length,
    );
    await expect(runImport(sandbox, input, { apiKey: 'key-one-aaaaaaaaaaaa' })).rejects.toMatchObject({
      code: 'STATE_OTHER_WORKSPACE',
    });
    expectExactlyOnce(sandbox, file.valid);
  });

  test('a key the API rejects leaves no journal behind: the next run with the right key starts the job', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 5);
    expect((await runImport(sandbox, input, { apiKey: 'wrong' })).exitCode).toBe(3);
    expect(readdirSync(join(dir(), 'state'))).not.toContain('journal.jsonl');
  });
});

describe('createdByUserId is checked once, before anything is sent', () => {
  test('an unknown user: exit 2 naming the config path, no contact sent', async () => {
    const sandbox = await startSandbox({ rate: 0, users: ['USreal'] });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 10);
    const config = configFrom({ ...importConfig(), createdByUserId: 'USghost' });
    const run = importJob({
      config,
      input,
      stateDir: join(dir(), 'state'),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
    });
    await expect(run).rejects.toMatchObject({
      code: 'CREATED_BY_USER_UNKNOWN',
      exitCode: 2,
      message: expect.stringMatching(/createdByUserId: found "USghost": no such user/),
    });
    expect(sandbox.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/contact-custom-fields',
      'GET /v1/users/USghost',
    ]);
  });

  test('a known user: one check, then the creates carry it', async () => {
    const sandbox = await startSandbox({ rate: 0, users: ['USreal'] });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 10);
    const config = configFrom({ ...importConfig(), createdByUserId: 'USreal' });
    const summary = await importJob({
      config,
      input,
      stateDir: join(dir(), 'state'),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
    });
    expect(summary.counts.created).toBe(file.valid.length);
    expect(sandbox.requests().filter((r) => r.path.startsWith('/v1/users/'))).toHaveLength(1);
    expect(sandbox.contacts().every((c) => c.createdByUserId === 'USreal')).toBe(true);
  });
});

test('start-up reads get the same policy: a 429 and a 500 on the custom-fields check are retried, not an abort', async () => {
  const sandbox = await startSandbox({ rate: 0, burstMs: 50, faults: parseFaultSpec('fields:429=#1,fields:500=#2') });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 10);
  const summary = await runImport(sandbox, input);
  expect(summary.exitCode).toBe(1);
  expect(summary.counts.created).toBe(file.valid.length);
  expect(
    sandbox
      .requests()
      .filter((r) => r.route === 'fields')
      .map((r) => r.status),
  ).toEqual([429, 500, 200]);
});

test("a dry run after an import writes its own reports (dry-run/) and leaves the import's as they were", async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 40);
  await runImport(sandbox, input);
  const stateDir = join(dir(), 'state');
  const files = ['failures.csv', 'created.csv', 'summary.json', 'report.html', 'journal.jsonl'];
  const before = files.map((f) => readFileSync(join(stateDir, f), 'utf8'));
  const { dryRun } = await import('../../src/job/dry-run.js');
  const dry = await dryRun({ config: configFrom(importConfig()), input, stateDir, log: silentLog });
  expect(dry.reportDir).toBe(join(stateDir, 'dry-run'));
  expect(files.map((f) => readFileSync(join(stateDir, f), 'utf8'))).toEqual(before);
  // .failures.csv.written: how the tool left the report a person may edit (never written over once edited).
  expect(readdirSync(join(stateDir, 'dry-run')).sort()).toEqual([
    '.failures.csv.written',
    '.openphone-import',
    'dropped-values.csv',
    'failures.csv',
    'payloads.jsonl',
    'report.html',
    'summary.json',
  ]);
});

test('the externalId definition changed between runs: exit 2 naming the old and the new, nothing sent', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 20);
  await runImport(sandbox, input);
  const before = sandbox.requests().length;
  const changed = configFrom({ ...importConfig(), externalId: { template: 'crm-{Record ID}' } });
  const run = importJob({
    config: changed,
    input,
    stateDir: join(dir(), 'state'),
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: silentLog,
  });
  await expect(run).rejects.toMatchObject({ code: 'EXTERNAL_ID_CHANGED', exitCode: 2 });
  const err = (await run.catch((e: unknown) => e)) as Error & { hint?: string };
  expect(err!.message).toMatch(
    /externalId: found template "crm-\{Record ID\}", but this job .* identified its records by column "Record ID"/,
  );
  expect(err!.hint).toMatch(/set externalId back to column "Record ID"/);
  expect(sandbox.requests()).toHaveLength(before);
  expectExactlyOnce(sandbox, file.valid);
});

describe('a job-wide refusal or an API that is down stops the job for a person, marking nothing failed for good', () => {
  test('the first 10 creates all refused with 403: exit 3, and the rerun sends them again once the cause is gone', async () => {
    const sandbox = await startSandbox({
      rate: 0,
      faults: parseFaultSpec(`post:403=${Array.from({ length: 10 }, (_, i) => `#${i + 1}`).join('')}`),
    });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 60);
    const first = await runImport(sandbox, input, { api: { concurrency: 1 } });
    expect(first.exitCode).toBe(3);
    expect(first.abortedBecause).toMatch(
      /the first 10 records sent were all refused with API_403_0800403 .*none of them is marked failed for good/,
    );
    expect(first.abortHint).toMatch(/^fix the cause \(the key's permissions/);
    expect(sandbox.requests().filter((r) => r.method === 'POST')).toHaveLength(10);
    expect(first.invariant.holds).toBe(true);
    const state = await replayJournal(join(dir(), 'state', 'journal.jsonl'));
    expect([...state.failed.values()].every((f) => f.retryable)).toBe(true);
    const second = await runImport(sandbox, input);
    expect(second.counts.created).toBe(file.valid.length);
    expectExactlyOnce(sandbox, file.valid);
  });

  test('bad records among good ones are failed records, not a job-wide refusal', async () => {
    const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:422=#2#3#5#8#13#21') });
    const input = join(dir(), 'contacts.csv');
    writeContactsFile(input, 40);
    const summary = await runImport(sandbox, input, { api: { concurrency: 1 } });
    expect(summary.exitCode).toBe(1);
    expect(summary.problems).toMatchObject({ API_422_0800422: 6 });
  });

  test('every request failing for a while (the API is down): a circuit breaker stops the job with exit 3; nothing is failed by it', async () => {
    const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:503=1,get:503=1') });
    const input = join(dir(), 'contacts.csv');
    const file = writeContactsFile(input, 200);
    const summary = await runImport(sandbox, input, {
      seams: { breaker: { failures: 10, quietMs: 150 } },
      api: { concurrency: 4, retry: { attempts: 50, baseDelayMs: 5, maxDelayMs: 20 } },
    });
    expect(summary.exitCode).toBe(3);
    expect(summary.abortedBecause).toMatch(/the API answered none of the last \d+ requests/);
    expect(summary.abortHint).toBe('rerun the same command when the API is back');
    expect(Object.keys(summary.problems).filter((c) => c.startsWith('API_') || c === 'GAVE_UP')).toEqual([]);
    expect(summary.invariant.holds).toBe(true);
    // Far fewer requests than records times attempts: it stopped instead of hammering.
    expect(sandbox.requests().length).toBeLessThan(file.valid.length);
  });
});

test('reports are spreadsheet-safe (formulas neutralised) and keep every column, and a rerun of failures.csv sends exactly the original values', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  writeFileSync(
    input,
    [
      'Record ID,First Name,Last Name,Company,Email,Mobile,VIP,Signed Up,Note,Note,',
      'r1,Ada,Lovelace,"=HYPERLINK(""http://evil.example"",""x"")",not-an-email,+14155550101,yes,03/15/2024,@SUM(1),-2,+x',
      "=cmd,Grace,Hopper,'=already quoted,grace@example.com,+14155550102,no,03/15/2024,,,",
    ].join('\n'),
  );
  await runImport(sandbox, input);
  const stateDir = join(dir(), 'state');
  const failuresText = readFileSync(join(stateDir, 'failures.csv'), 'utf8');
  const [header, row] = parse(failuresText, { bom: true }) as string[][];
  expect(header).toEqual([
    'Record ID',
    'First Name',
    'Last Name',
    'Company',
    'Email',
    'Mobile',
    'VIP',
    'Signed Up',
    'Note',
    'Note',
    '',
    '_source_file',
    '_source_line',
    '_error_line',
    '_error_code',
    '_error_message',
    '_error_raw',
  ]);
  expect(row!.slice(0, 11)).toEqual([
    'r1',
    'Ada',
    'Lovelace',
    `'=HYPERLINK("http://evil.example","x")`,
    'not-an-email',
    "'+14155550101",
    'yes',
    '03/15/2024',
    "'@SUM(1)",
    "'-2",
    "'+x",
  ]);
  const created = parse(readFileSync(join(stateDir, 'created.csv')), { bom: true }) as string[][];
  expect(created[1]![1]).toBe("'=cmd");
  expect(sandbox.contactsByExternalId().get('=cmd')![0]!.defaultFields.company).toBe("'=already quoted");

  // Fix the email in the report, rerun it: the other cells go out exactly as they were read the first time.
  const rerun = join(dir(), 'failures-fixed.csv');
  writeFileSync(rerun, failuresText.replace('not-an-email', 'ada@example.com'));
  const second = await runImport(sandbox, rerun);
  expect(second.counts).toMatchObject({ read: 1, created: 1, failed: 0 });
  const ada = sandbox.contactsByExternalId().get('r1')![0]!;
  expect(ada.defaultFields.company).toBe('=HYPERLINK("http://evil.example","x")');
  expect(ada.defaultFields.phoneNumbers[0]!.value).toBe('+14155550101');
});

test('a stop whose grace period cuts requests on their way counts them as sent but unanswered, not "not sent"; the rerun makes none twice', async () => {
  const sandbox = await startSandbox({ rate: 0, uniqueExternalId: 'off', createDelayMs: 1500 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 16);
  const stop = new AbortController();
  const running = runImport(sandbox, input, {
    stop: stop.signal,
    seams: { graceMs: 100 },
    api: { concurrency: 4, timeoutMs: 2000 },
  });
  while (!sandbox.requests().some((r) => r.method === 'POST')) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  const first = await running;
  expect(first.exitCode).toBe(4);
  expect(first.counts.inDoubt).toBeGreaterThan(0);
  expect(first.invariant.holds).toBe(true);
  expect(formatSummary(first)).toMatch(/sent but unanswered \d+ \(the next run looks them up\)/);
  const second = await runImport(sandbox, input, { api: { concurrency: 4, timeoutMs: 2000 } });
  expect(second.counts.created + second.counts.unchanged).toBe(file.valid.length);
  expectExactlyOnce(sandbox, file.valid);
}, 60_000);

test("the README's rerun of failures.csv without --state-dir keeps the job's state: the fixed rows are created, nothing twice", async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const { runCli } = await import('../helpers/cli.js');
  const { input, config, file } = cliJob(dir(), 30);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  expect((await runCli(['run', '-c', config, '-i', input, '--base-url', sandbox.url], env)).code).toBe(1);
  const stateDir = join(dir(), 'contacts.openphone-import');
  const failuresCsv = join(stateDir, 'failures.csv');
  // Fix the bad phone and email; the other failures stay as they are.
  writeFileSync(
    failuresCsv,
    readFileSync(failuresCsv, 'utf8')
      .replace(',12345,', ',+14155550199,')
      .replace(',not-an-email,', ',fixed@example.com,'),
  );
  const rerun = await runCli(['run', '-c', config, '-i', failuresCsv, '--base-url', sandbox.url], env);
  expect(rerun.stdout).toContain(`reports: ${stateDir}/`);
  expect(readdirSync(stateDir)).not.toContain('failures.openphone-import');
  expect(sandbox.stats().duplicateExternalIds).toBe(0);
  expect(sandbox.contacts().length).toBeGreaterThan(file.valid.length);
  const state = await replayJournal(join(stateDir, 'journal.jsonl'));
  expect(state.done.size).toBe(sandbox.contacts().length);
});

test('an input rewritten in place while it is read (same inode): the run says so and exits 4, never "finished"', async () => {
  const sandbox = await startSandbox({ rate: 0, latencyMs: [5, 5] });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 3000);
  const run = runImport(sandbox, input, { api: { concurrency: 2 } });
  while (sandbox.requests().filter((r) => r.method === 'POST').length < 50) await new Promise((r) => setTimeout(r, 5));
  // Truncated and written again through the same inode, as an export tool overwriting its file does.
  const { truncateSync, appendFileSync } = await import('node:fs');
  truncateSync(input, 0);
  appendFileSync(input, readFileSync(input, 'utf8') + 'Record ID,First Name\nx1,Late\n');
  const summary = await run;
  expect(summary.exitCode).toBe(4);
  expect(summary.stoppedEarly).toMatch(
    /the input changed while it was read \(.*contacts\.csv (changed size|was written to)/,
  );
});

test('after a stop and a resume, dropped-values.csv and the count of values left out cover the whole job, not the last run', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  writeContactsFile(input, 30);
  // Every record drops one value: a phone extension (kept as a note, the number imported without it).
  writeFileSync(input, readFileSync(input, 'utf8').replace(/(\+1415\d{7})/g, '$1 ext. 23'));
  const config = { ...importConfig(), invalidValues: 'drop' };
  const run = (extra: Partial<ImportOptions>) =>
    importJob({
      config: configFrom(config),
      input,
      stateDir: join(dir(), 'state'),
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
      ...extra,
    });
  const first = await run({ maxRows: 10 });
  expect(first.exitCode).toBe(4);
  const second = await run({});
  const rows = parse(readFileSync(join(dir(), 'state', 'dropped-values.csv'), 'utf8').replace(/^\uFEFF/, ''), {
    columns: true,
  }) as { externalId: string; code: string }[];
  // Every record imported, in either run, left out at least its extension; the count is the file's rows.
  const imported = second.counts.created + second.counts.unchanged;
  expect(new Set(rows.map((r) => r.externalId)).size).toBe(imported);
  expect(first.counts.created).toBeGreaterThan(0);
  expect(Object.values(second.droppedValues).reduce((n, k) => n + k, 0)).toBe(rows.length);
});
