import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { dryRun } from '../../src/job/dry-run.js';
import { importJob } from '../../src/job/import-job.js';
import { jobStatus } from '../../src/rollback/status.js';
import { silentLog } from '../../src/log.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli.js';
import { configFrom } from '../helpers/config.js';
import { HEADER, importConfig } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

/**
 * The workspace is shared: agents and an assistant edit the job's contacts in
 * the app. A sync writes only what the source changed since the job last wrote
 * it; the rest, agents' edits included, stays; a field both changed is a
 * conflict, kept as update.conflicts says and listed in conflicts.csv.
 */
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

const row = (id: string, first: string, company: string, phone: string) => [
  id,
  first,
  'Last',
  company,
  `${id}@example.com`,
  phone,
  'no',
  '01/02/2024',
];
/** The CRM's export of Ada, Bob and Cy at Acme, Bolt and Cyan (and any more rows after them). */
const writeCrm = (input: string, ...more: string[][]) =>
  writeFileSync(
    input,
    stringify([
      HEADER,
      row('a', 'Ada', 'Acme', '+14155550101'),
      row('b', 'Bob', 'Bolt', '+14155550102'),
      row('c', 'Cy', 'Cyan', '+14155550103'),
      ...more,
    ]),
  );
/**
 * An edit in the app: what it changes, and every other item sent back by its id, as the app keeps them
 * (the API's PATCH replaces arrays: a partial one would wipe what it leaves out).
 */
async function patch(sb: Sandbox, id: string, change: { defaultFields?: Record<string, unknown> }) {
  const c = sb.contacts().find((x) => x.id === id)!;
  const items = (list: readonly { id: string; name: string; value: string | null }[]) =>
    list.map((i) => ({ id: i.id, name: i.name, value: i.value }));
  const body = {
    defaultFields: {
      emails: items(c.defaultFields.emails),
      phoneNumbers: items(c.defaultFields.phoneNumbers),
      ...change.defaultFields,
    },
    customFields: c.customFields.map((f) => ({ key: f.key, value: f.value })),
  };
  return fetch(`${sb.url}/v1/contacts/${id}`, {
    method: 'PATCH',
    headers: { authorization: sb.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
const rowsOf = (path: string) =>
  parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];

test.each(['workspace', 'source'] as const)(
  'an agent\'s edits stay, the CRM\'s changes are written, replaced numbers go, a conflict is kept as "%s" and listed',
  async (kept) => {
    const sandbox = await startSandbox({ rate: 0 });
    const input = join(dir(), 'crm.csv');
    const stateDir = join(dir(), 'state');
    const base = importConfig();
    const config = configFrom({ ...base, matchExisting: [], update: { conflicts: kept } });
    const run = () =>
      importJob({ config, input, stateDir, apiKey: sandbox.apiKey, baseUrl: sandbox.url, log: silentLog });
    writeCrm(input);
    expect((await run()).counts.created).toBe(3);
    const byExt = () => new Map([...sandbox.contactsByExternalId()].map(([k, v]) => [k, v[0]!]));
    const [a, b, c] = ['a', 'b', 'c'].map((id) => byExt().get(id)!);

    // In the app: an agent corrects Ada's role, adds a desk number to Bob, and renames Cy's company.
    expect((await patch(sandbox, a!.id, { defaultFields: { role: 'Head of Ops (agent)' } })).status).toBe(200);
    const bNow = byExt().get('b')!;
    expect(
      (
        await patch(sandbox, b!.id, {
          defaultFields: {
            phoneNumbers: [
              ...bNow.defaultFields.phoneNumbers.map((p) => ({ id: p.id, name: p.name, value: p.value })),
              { name: 'desk', value: '+14155550999' },
            ],
          },
        })
      ).status,
    ).toBe(200);
    // The app kept the rest: Bob's e-mail and custom fields are there.
    expect(byExt().get('b')!.defaultFields.emails).toHaveLength(1);
    expect((await patch(sandbox, c!.id, { defaultFields: { company: 'Cyan (agent)' } })).status).toBe(200);

    // In the CRM: Ada's company, Bob's mobile replaced, Cy's company.
    writeFileSync(
      input,
      stringify([
        HEADER,
        row('a', 'Ada', 'Acme Corp', '+14155550101'),
        row('b', 'Bob', 'Bolt', '+14155550202'),
        row('c', 'Cy', 'Cyan Ltd', '+14155550103'),
      ]),
    );
    // The dry run with the key previews the conflict the sync would meet, and sends nothing.
    const before = sandbox.requests().filter((r) => r.method !== 'GET').length;
    const preview = await dryRun({
      config,
      input,
      stateDir,
      log: silentLog,
      api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url },
    });
    expect(preview.changes).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^line 4 \\(c\\): .*conflict on company: changed in the workspace too \\("Cyan \\(agent\\)"\\), the contact would keep the ${kept}'s`,
        ),
      ),
    );
    expect(preview.changes!.filter((l) => l.includes('conflict'))).toHaveLength(1);
    // Each line is the PATCH the sync will send: the agent's role is not shown as overwritten, the replaced mobile goes.
    expect(preview.changes).toContain('line 2 (a): company "Acme" → "Acme Corp"');
    expect(preview.changes).toContain('line 3 (b): phone − +14155550102; phone + +14155550202');
    expect(sandbox.requests().filter((r) => r.method !== 'GET').length).toBe(before);
    const sync = await run();
    expect(sync.counts).toMatchObject({ updated: 3, created: 0 });
    expect(sync.conflicts).toBe(1);
    const now = byExt();
    expect(now.get('a')!.defaultFields).toMatchObject({ company: 'Acme Corp', role: 'Head of Ops (agent)' });
    expect(
      now
        .get('b')!
        .defaultFields.phoneNumbers.map((p) => p.value)
        .sort(),
    ).toEqual(['+14155550202', '+14155550999']);
    expect(now.get('c')!.defaultFields.company).toBe(kept === 'workspace' ? 'Cyan (agent)' : 'Cyan Ltd');
    expect(rowsOf(join(stateDir, 'conflicts.csv'))).toEqual([
      {
        line: '4',
        externalId: 'c',
        field: 'company',
        base: 'Cyan',
        source: 'Cyan Ltd',
        workspace: 'Cyan (agent)',
        kept,
      },
    ]);
    expect(readFileSync(join(stateDir, 'journal.jsonl'), 'utf8')).toMatch(
      /"t":"patched","id":"c".*"why":"sync".*"cf":\[\{"field":"company"/,
    );
    // The same conflict in status (from the journal) and in report.html, in plain words.
    expect(await jobStatus(stateDir)).toMatchObject({ conflicts: 1 });
    expect(readFileSync(join(stateDir, 'report.html'), 'utf8')).toMatch(
      /1 field\(s\) were changed both in the source and by someone in OpenPhone.*conflicts\.csv/,
    );

    // The next night, nothing changed in the CRM: no request, no conflict again.
    const from = sandbox.requests().length;
    const quiet = await run();
    expect(quiet.counts).toMatchObject({ unchanged: 3 });
    expect(quiet.conflicts).toBeUndefined();
    expect(
      sandbox
        .requests()
        .slice(from)
        .filter((r) => r.method !== 'GET'),
    ).toHaveLength(0);
  },
);

test('"update": "never" and "ifEmpty" per field: a field the workspace owns after the create is left to it', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'crm.csv');
  const stateDir = join(dir(), 'state');
  const base = importConfig();
  const config = configFrom({
    ...base,
    matchExisting: [],
    defaultFields: { ...base.defaultFields, company: { column: 'Company', update: 'never' } },
  });
  const run = () =>
    importJob({ config, input, stateDir, apiKey: sandbox.apiKey, baseUrl: sandbox.url, log: silentLog });
  writeFileSync(input, stringify([HEADER, row('a', 'Ada', 'Acme', '+14155550101')]));
  await run();
  writeFileSync(input, stringify([HEADER, row('a', 'Adeline', 'Acme Corp', '+14155550101')]));
  const sync = await run();
  expect(sync.counts.updated).toBe(1);
  expect(sandbox.contacts()[0]!.defaultFields).toMatchObject({ firstName: 'Adeline', company: 'Acme' });
});

test('run --verify: a contact deleted in the app is made again, one edited there is listed in drift.csv, and written back only with conflicts "source"; one as written costs no write', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'crm.csv');
  const stateDir = join(dir(), 'state');
  const base = importConfig();
  writeCrm(input, row('d', 'Dee', 'Dune', '+14155550104'));
  const run = (conflicts: 'workspace' | 'source', verify = true) =>
    importJob({
      config: configFrom({ ...base, matchExisting: [], update: { conflicts } }),
      input,
      stateDir,
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
      verify,
    });
  expect((await run('workspace', false)).counts.created).toBe(4);
  const byExt = () => new Map([...sandbox.contactsByExternalId()].map(([k, v]) => [k, v[0]!]));
  const first = byExt();
  expect(
    (
      await fetch(`${sandbox.url}/v1/contacts/${first.get('a')!.id}`, {
        method: 'DELETE',
        headers: { authorization: sandbox.apiKey },
      })
    ).status,
  ).toBe(204);
  expect((await patch(sandbox, first.get('b')!.id, { defaultFields: { company: 'Damaged' } })).status).toBe(200);
  expect((await patch(sandbox, first.get('c')!.id, { defaultFields: { emails: [] } })).status).toBe(200);

  const from = sandbox.requests().length;
  const listed = await run('workspace');
  expect(listed.counts).toMatchObject({ restored: 1, unchanged: 3, created: 0 });
  expect(listed.drift).toBe(2);
  expect(
    sandbox
      .requests()
      .slice(from)
      .filter((r) => r.method === 'PATCH'),
  ).toHaveLength(0);
  expect(byExt().get('a')!.defaultFields.firstName).toBe('Ada');
  expect(byExt().get('b')!.defaultFields.company).toBe('Damaged');
  expect(rowsOf(join(stateDir, 'drift.csv'))).toEqual([
    {
      line: '3',
      externalId: 'b',
      field: 'company',
      asWritten: 'Bolt',
      inWorkspace: 'Damaged',
      action: 'listed, left as it is',
    },
    {
      line: '4',
      externalId: 'c',
      field: 'emails',
      asWritten: 'c@example.com',
      inWorkspace: '',
      action: 'listed, left as it is',
    },
  ]);

  const repaired = await run('source');
  expect(repaired.drift).toBe(2);
  expect(byExt().get('b')!.defaultFields.company).toBe('Bolt');
  expect(
    byExt()
      .get('c')!
      .defaultFields.emails.map((e) => e.value),
  ).toEqual(['c@example.com']);
  const clean = sandbox.requests().length;
  const again = await run('source');
  expect(again.drift).toBeUndefined();
  expect(again.counts).toMatchObject({ unchanged: 4 });
  expect(
    sandbox
      .requests()
      .slice(clean)
      .filter((r) => r.method !== 'GET'),
  ).toHaveLength(0);
  expect(sandbox.contacts()).toHaveLength(4);
});

test('a dry run with --verify previews what --verify would find (a contact deleted in the app, drift, and whether it would be written back), reading only; without a key it says so', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'crm.csv');
  const stateDir = join(dir(), 'state');
  writeCrm(input);
  const config = (conflicts: 'workspace' | 'source') =>
    configFrom({ ...importConfig(), matchExisting: [], update: { conflicts } });
  const imported = await importJob({
    config: config('workspace'),
    input,
    stateDir,
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: silentLog,
  });
  expect(imported.counts.created).toBe(3);
  const byExt = new Map([...sandbox.contactsByExternalId()].map(([k, v]) => [k, v[0]!]));
  const deleted = await fetch(`${sandbox.url}/v1/contacts/${byExt.get('a')!.id}`, {
    method: 'DELETE',
    headers: { authorization: sandbox.apiKey },
  });
  expect(deleted.status).toBe(204);
  expect((await patch(sandbox, byExt.get('b')!.id, { defaultFields: { company: 'Damaged' } })).status).toBe(200);
  const journal = readFileSync(join(stateDir, 'journal.jsonl'));
  const from = sandbox.requests().length;

  const preview = (conflicts: 'workspace' | 'source', log = silentLog, api = true) =>
    dryRun({
      config: config(conflicts),
      input,
      stateDir,
      log,
      rules: { onChanged: 'update', onExisting: 'skip', verify: true },
      ...(api && { api: { apiKey: sandbox.apiKey, baseUrl: sandbox.url } }),
    });
  const listed = await preview('workspace');
  expect(listed.counts).toMatchObject({ unchanged: 3, changed: 0, created: 0, restored: 0 });
  expect(listed.verifyPreview).toEqual({ read: 3, wouldRestore: 1, heldElsewhere: 0, unread: 0 });
  expect(listed.drift).toBe(1);
  expect(rowsOf(join(stateDir, 'dry-run', 'drift.csv'))).toEqual([
    {
      line: '3',
      externalId: 'b',
      field: 'company',
      asWritten: 'Bolt',
      inWorkspace: 'Damaged',
      action: 'would be listed, left as it is',
    },
  ]);
  expect(rowsOf(join(stateDir, 'dry-run', 'drift.csv'))).toHaveLength(1);
  const written = await preview('source');
  expect(rowsOf(join(stateDir, 'dry-run', 'drift.csv'))[0]!.action).toBe('would be written back');
  expect(written.verifyPreview?.wouldRestore).toBe(1);

  // Read only: lookups, nothing written to the workspace or the journal; no drift.csv of the import's.
  const sent = sandbox.requests().slice(from);
  expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(sent.length).toBeGreaterThan(0);
  expect(sandbox.contactsByExternalId().has('a')).toBe(false);
  expect(readFileSync(join(stateDir, 'journal.jsonl'))).toEqual(journal);

  const warnings: string[] = [];
  const keyless = await preview('workspace', { info: () => undefined, warn: (_m, code) => warnings.push(code) }, false);
  expect(keyless.counts).toMatchObject({ unchanged: 3 });
  expect(keyless.verifyPreview).toBeUndefined();
  expect(warnings).toContain('PREVIEW_NEEDS_KEY');

  // As a person runs it: the summary says what --verify would find, and the import it names verifies too.
  const configPath = join(dir(), 'verify.json');
  writeFileSync(configPath, JSON.stringify({ ...importConfig(), matchExisting: [] }));
  const cli = await runCli(
    [
      'run',
      '--config',
      configPath,
      '--input',
      input,
      '--state-dir',
      stateDir,
      '--dry-run',
      '--verify',
      '--base-url',
      sandbox.url,
    ],
    { OPENPHONE_API_KEY: sandbox.apiKey },
  );
  expect(cli.stderr).toMatch(
    /^--verify: reading the contacts of the job's unchanged records \(3 finished, 20 a request at \d+\/s: up to 1 min\)\n$/,
  );
  expect(cli.stdout).toMatch(/--verify: read the contacts of 3 unchanged record\(s\): 1 deleted in the app/);
  expect(cli.stdout).toMatch(/next, import.* --verify/);
});
