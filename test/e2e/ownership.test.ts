import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { importJob, type ImportOptions } from '../../src/job/import-job.js';
import { silentLog } from '../../src/log.js';
import { rollback } from '../../src/rollback/rollback.js';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { configFrom } from '../helpers/config.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

/**
 * A contact is the job's only when proven: a 201 to its POST, or made after
 * its unanswered attempt left (ownership/prove.ts). These runs meet a
 * workspace that already holds contacts with the file's externalIds, under
 * faults that store a create and lose its answer, and check that created.csv,
 * status and rollback never take one of them for the job's.
 */
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

const importInto = (sb: Sandbox, input: string, stateDir: string, extra: Partial<ImportOptions> = {}) =>
  importJob({
    config: configFrom(importConfig({ timeoutMs: 300 })),
    input,
    stateDir,
    apiKey: sb.apiKey,
    baseUrl: sb.url,
    log: silentLog,
    ...extra,
  });

const createdCsv = (stateDir: string) =>
  (
    parse(readFileSync(join(stateDir, 'created.csv'), 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as {
      externalId: string;
      contactId: string;
    }[]
  ).map((r) => r.contactId);

/**
 * The Date header as a gateway may write it: true, 2 h behind the clock that
 * stamps contacts (it once made the job claim every contact from an hour
 * before), or missing (it once made the job disown the contacts it made).
 */
const DATE_HEADERS = [
  ['a true Date header', undefined],
  ['a Date header 2 h behind', { offsetMs: -2 * 3600_000 }],
  ['no Date header', 'none'],
] as const;

describe.each(['409', 'off'] as const)(
  'uniqueness %s: answers lost for contacts that existed before the job',
  (uniqueExternalId) => {
    test.each(DATE_HEADERS)(
      "with %s, created.csv, the journal and rollback take none of the contacts from before the job for the job's, and miss none of the job's",
      async (_, dateHeader) => {
        const input = join(dir(), 'contacts.csv');
        const file = writeContactsFile(input, 60);
        // 20 of the file's records exist before the job (made an hour ago: the app, an earlier tool).
        const before = file.valid.slice(0, 20);
        const options: SandboxOptions = {
          rate: 0,
          seed: 3,
          uniqueExternalId,
          faults: parseFaultSpec('post:drop=0.35'),
          existing: before.map((id) => ({
            defaultFields: { firstName: `Before ${id}` },
            externalId: id,
            source: 'another-tool',
          })),
          ...(dateHeader !== undefined && { dateHeader }),
        };
        const sandbox = await startSandbox(options);
        const preexisting = new Set(sandbox.contacts().map((c) => c.id));
        const stateDir = join(dir(), 'state');
        let summary = await importInto(sandbox, input, stateDir);
        for (let i = 0; i < 5 && summary.counts.failed > file.invalidLines.length; i++)
          summary = await importInto(sandbox, input, stateDir);
        expect(sandbox.stats().byFault.drop).toBeGreaterThan(5);
        expect(summary.invariant.holds).toBe(true);

        const ours = sandbox.contacts().filter((c) => !preexisting.has(c.id));
        // Every contact the job made is listed, and none from before.
        expect(new Set(createdCsv(stateDir))).toEqual(new Set(ours.map((c) => c.id)));

        const rb = await rollback({
          stateDir,
          apiKey: sandbox.apiKey,
          baseUrl: sandbox.url,
          log: silentLog,
          yes: true,
          api: { requestsPerSecond: 1000, timeoutMs: 300 },
        });
        expect(rb.exitCode).toBe(0);
        // Exactly the job's contacts are gone; every contact from before the job is there, as it was.
        expect(new Set(sandbox.contacts().map((c) => c.id))).toEqual(preexisting);
        for (const c of sandbox.contacts()) expect(c.defaultFields.firstName).toBe(`Before ${c.externalId}`);
      },
      60_000,
    );
  },
);

test("two jobs over one file: the second job's rollback leaves the first job's contacts alone", async () => {
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 40);
  const n = file.valid.length;
  // The first job's creates go through; every other create of the second job loses its answer (a 409, dropped).
  const dropped = Array.from({ length: n }, (_, k) => n + 1 + k).filter((k) => k % 2 === 0);
  const sandbox = await startSandbox({ rate: 0, faults: [{ route: 'post', kind: 'drop', at: dropped }] });
  const first = await importInto(sandbox, input, join(dir(), 'first'));
  expect(first.counts.created).toBe(n);
  const firstIds = new Set(sandbox.contacts().map((c) => c.id));

  const second = await importInto(sandbox, input, join(dir(), 'second'));
  expect(sandbox.stats().byFault.drop).toBe(dropped.length);
  // No create of the second job was ever answered 201: its clock is not calibrated, so the
  // contacts behind its lost answers are neither claimed nor disowned; they stay in doubt.
  expect(second.counts).toMatchObject({
    created: 0,
    existing: n - dropped.length,
    failed: dropped.length + file.invalidLines.length,
  });
  expect(second.problems).toMatchObject({ OWNERSHIP_UNPROVEN: dropped.length });
  expect(createdCsv(join(dir(), 'second'))).toEqual([]);

  const rb = await rollback({
    stateDir: join(dir(), 'second'),
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: silentLog,
    yes: true,
    api: { requestsPerSecond: 1000 },
  });
  expect(rb).toMatchObject({ createdByJob: 0, deleted: 0 });
  expect(new Set(sandbox.contacts().map((c) => c.id))).toEqual(firstIds);
}, 60_000);

test('rollback reads each contact first: one whose externalId someone changed since is listed and left alone', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, 10);
  const stateDir = join(dir(), 'state');
  await importInto(sandbox, input, stateDir);
  const moved = sandbox.contacts()[0]!;
  const r = await fetch(`${sandbox.url}/v1/contacts/${moved.id}`, {
    method: 'PATCH',
    headers: { authorization: sandbox.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ externalId: 'taken-over-by-another-tool' }),
  });
  expect(r.status).toBe(200);
  const rb = await rollback({
    stateDir,
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    log: silentLog,
    yes: true,
    api: { requestsPerSecond: 1000 },
  });
  expect(rb).toMatchObject({ deleted: file.valid.length - 1, changedSince: 1, exitCode: 0 });
  expect(sandbox.contacts().map((c) => c.id)).toEqual([moved.id]);
  expect(readFileSync(join(stateDir, 'rollback.csv'), 'utf8')).toMatch(
    new RegExp(`${moved.id},delete,changedSince,.*taken-over-by-another-tool`),
  );
});
