import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliError, killCliWhen, runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

test('rollback deletes exactly the contacts the job created, after kill -9 in the middle; never one that existed before', async () => {
  const sandbox = await startSandbox({ rate: 0, latencyMs: [30, 30] });
  // Two contacts the workspace had before the job, with externalIds the file has too; one more of no concern.
  const post = (body: unknown) =>
    fetch(`${sandbox.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: sandbox.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  // Of the job's own source (a contact is its source and externalId): --on-existing update is for them.
  for (const id of ['r0', 'r1'])
    expect(
      (await post({ defaultFields: { firstName: `Before ${id}` }, externalId: id, source: 'test-import' })).status,
    ).toBe(201);
  expect((await post({ defaultFields: { firstName: 'Unrelated' }, externalId: 'someone-else' })).status).toBe(201);
  const before = new Set(sandbox.contacts().map((c) => c.id));

  const { stateDir, file, args } = cliJob(dir(), 60);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const imported = await runCli(args(sandbox.url, '--on-existing', 'update'), env);
  expect(imported.code).toBe(1);
  const ours = sandbox.contacts().filter((c) => !before.has(c.id));
  expect(ours).toHaveLength(file.valid.length - 2);

  // Without --yes: a count and a list, nothing deleted.
  const preview = await runCli(['rollback', '--state-dir', stateDir, '--base-url', sandbox.url], env);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toMatch(
    new RegExp(
      `would delete the contacts this job created and restore the ones it updated or adopted: ${ours.length} to delete, 2 to restore`,
    ),
  );
  expect(preview.stdout).toMatch(/next: node dist\/src\/cli\.js rollback --state-dir \S+ --base-url \S+ --yes/);
  // Each contact by the name and company the job wrote, not only its externalId.
  expect(preview.stdout).toMatch(/line 4: r2 \(contact CT\w+, First2 Last2\): delete/);
  expect(preview.stdout).toMatch(/line 5: r3 \(contact CT\w+, First3 Last3, Company 3\): delete/);
  const deletes = () => sandbox.requests().filter((r) => r.method === 'DELETE');
  expect(deletes()).toHaveLength(0);

  // --yes, killed -9 in the middle.
  await killCliWhen(
    ['rollback', '--state-dir', stateDir, '--base-url', sandbox.url, '--yes'],
    env,
    () => deletes().length >= 12,
  );
  expect(sandbox.contacts().length).toBeGreaterThan(before.size);

  const rest = await runCli(['rollback', '--state-dir', stateDir, '--base-url', sandbox.url, '--yes'], env);
  expect(rest.code).toBe(0);
  expect(rest.stdout).toMatch(new RegExp(`of ${ours.length} the job created`));
  // Exactly the job's contacts are gone; the ones from before the job (updated by it, or not) are all there.
  expect(new Set(sandbox.contacts().map((c) => c.id))).toEqual(before);
  // The two the job updated are as they were before it (the journal's prior events), not as it left them.
  for (const id of ['r0', 'r1'])
    expect(sandbox.contactsByExternalId().get(id)![0]!.defaultFields).toMatchObject({
      firstName: `Before ${id}`,
      lastName: null,
      emails: [],
      phoneNumbers: [],
    });
  expect(rest.stdout).toMatch(/restored 2/);
  const deleted = deletes().map((r) => r.path.split('/').pop()!);
  expect(new Set(deleted)).toEqual(new Set(ours.map((c) => c.id)));
  // A DELETE cut by the kill may be sent once more (it answers 404): never more than that.
  const times = new Map<string, number>();
  for (const id of deleted) times.set(id, (times.get(id) ?? 0) + 1);
  expect(Math.max(...times.values())).toBeLessThanOrEqual(2);

  // status says the job was rolled back, not only "created N".
  const status = await runCli(['status', '--state-dir', stateDir]);
  expect(status.stdout).toMatch(
    new RegExp(`ROLLED BACK: \\d+ of its contacts deleted, \\d+ already gone, 2 of the workspace's restored`),
  );
  // One journal holds it all: no prior.jsonl, no rollback.jsonl.
  expect(readdirSync(stateDir).filter((f) => f.endsWith('.jsonl'))).toEqual(['journal.jsonl']);
  // The job's state now belongs to a rolled-back job: an import on it is refused.
  const again = await runCli([...args(sandbox.url), '--log-format', 'json'], env);
  expect(again.code).toBe(2);
  expect(cliError(again)).toMatchObject({ code: 'JOB_ROLLED_BACK', exitCode: 2 });
}, 60_000);

test('rollback of a folder without a job, or with another key: exit 2, nothing deleted', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const none = await runCli(['rollback', '--state-dir', dir(), '--yes', '--base-url', sandbox.url], {
    OPENPHONE_API_KEY: sandbox.apiKey,
  });
  expect(none.code).toBe(2);
  const { stateDir, args } = cliJob(dir(), 5);
  await runCli(args(sandbox.url), { OPENPHONE_API_KEY: sandbox.apiKey });
  const otherKey = await runCli(['rollback', '--state-dir', stateDir, '--yes', '--base-url', sandbox.url], {
    OPENPHONE_API_KEY: 'another-workspace-key',
  });
  expect(otherKey.code).toBe(2);
  expect(sandbox.requests().filter((r) => r.method === 'DELETE')).toHaveLength(0);
});

test('a job begun by the version before one journal (format 1, prior.jsonl and rollback.jsonl beside it) is still rolled back, and resumed, as it was', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  for (const id of ['r0', 'r1'])
    await fetch(`${sandbox.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: sandbox.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ defaultFields: { firstName: `Before ${id}` }, externalId: id, source: 'test-import' }),
    });
  const { stateDir, args } = cliJob(dir(), 12);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  await runCli(args(sandbox.url, '--on-existing', 'update'), env);
  // As that version left it: the states before in prior.jsonl, not in the journal, whose header says format 1;
  // and an earlier rollback that did r0's restore, in rollback.jsonl.
  const journal = join(stateDir, 'journal.jsonl');
  const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
  const events = lines.map((l) => JSON.parse(l) as { t: string; id?: string; cid?: string; c?: { id: string } });
  const priors = events.filter((e) => e.t === 'prior');
  expect(priors).toHaveLength(2);
  writeFileSync(
    join(stateDir, 'prior.jsonl'),
    priors.map((e) => `${JSON.stringify({ id: e.id, contact: e.c })}\n`).join(''),
  );
  const r0 = priors.find((e) => e.id === 'r0')!;
  await fetch(`${sandbox.url}/v1/contacts/${r0.cid}`, {
    method: 'PATCH',
    headers: { authorization: sandbox.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ defaultFields: { firstName: 'Before r0', lastName: null, emails: [], phoneNumbers: [] } }),
  });
  writeFileSync(
    join(stateDir, 'rollback.jsonl'),
    `${JSON.stringify({ t: 'restored', cid: r0.cid, id: 'r0', at: new Date().toISOString() })}\n`,
  );
  writeFileSync(
    journal,
    `${[JSON.stringify({ ...JSON.parse(lines[0]!), version: 1 }), ...lines.slice(1).filter((_, i) => events[i + 1]!.t !== 'prior')].join('\n')}\n`,
  );
  const rb = await runCli(['rollback', '--state-dir', stateDir, '--base-url', sandbox.url, '--yes'], env);
  expect(rb.code).toBe(0);
  // r0 counted as an earlier rollback's restore, r1 restored now from prior.jsonl; the job's own contacts deleted.
  expect(rb.stdout).toMatch(/restored 2/);
  expect(sandbox.contactsByExternalId().get('r1')![0]!.defaultFields.firstName).toBe('Before r1');
  expect([...sandbox.contactsByExternalId().keys()].sort()).toEqual(['r0', 'r1']);
});
