import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { indexHeader } from '../src/csv/header.js';
import { openCsv } from '../src/input/read-csv.js';
import { JOURNAL_FORMAT, STATE_FILES } from '../src/state/private-files.js';
import { checkpointJournal } from '../src/journal/replay.js';
import { JOURNAL_VERSION } from '../src/journal/events.js';
import { describeExternalId } from '../src/journal/external-id-check.js';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { keyFingerprint } from '../src/journal/target.js';
import { bodyHash } from '../src/job/plan.js';
import { baseOf, type Base } from '../src/sync/base.js';
import { writeCreatedReport } from '../src/report/created-report.js';
import { Classifier } from '../src/classify/classify.js';
import { BENCH_HEADER, benchRecord } from './generate-contacts.js';
import { SYNC_CONFIG } from './sync-config.js';
import { measureInChild } from './measure.js';
import { sandboxProcess } from './sandbox-process.js';
import { decodedFrom } from '../src/input/table.js';

// npm run bench:sync [records] [workspace]: a job of 1,000,000 records that is done,
// rerun on a fresh export in which 1% of the records changed and 0.5% are new.
// Measured: the requests it makes (target: changed + new + reads of the changed
// contacts, none for an unchanged record), the time to its first request against a
// plain resume of the same job (the same export without the changes), and its peak
// RSS (target < 250 MB). Then listing and indexing a 100,000-contact workspace for
// --match-existing: requests and peak RSS against a process that only connects.
const N = Number(process.argv[2] ?? 1_000_000);
const WORKSPACE = Number(process.argv[3] ?? 100_000);
const CHANGED = (i: number) => i % 100 === 50;
const NEW = Math.round(N * 0.005);
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'bench', 'out', `sync-${N}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const config = parseConfig(JSON.stringify(SYNC_CONFIG), 'bench.json');

async function writeCsv(path: string, rows: (write: (r: string[]) => Promise<void>) => Promise<void>): Promise<void> {
  const w = createWriteStream(path);
  w.write(`${BENCH_HEADER.join(',')}\n`);
  await rows(async (r) => {
    if (!w.write(`${r.map(quote).join(',')}\n`)) await once(w, 'drain');
  });
  w.end();
  await once(w, 'finish');
}
/** A record new in an export; the plain resume's and the sync's have ids of their own (they share one workspace). */
const newRecord = (k: number, prefix: string) => {
  const r = benchRecord(N + 1000 + k);
  r[0] = `${prefix}-${k}`;
  return r;
};

console.log(`writing ${N} records, the export with 1% changed and 0.5% new, and the plain export...`);
const doneCsv = join(out, 'done.csv');
await writeCsv(doneCsv, async (write) => {
  for (let i = 0; i < N; i++) await write(benchRecord(i));
});
const exportCsv = join(out, 'export.csv');
await writeCsv(exportCsv, async (write) => {
  for (let i = 0; i < N; i++) {
    const r = benchRecord(i);
    if (CHANGED(i)) r[4] = 'Changed Title';
    await write(r);
  }
  for (let k = 0; k < NEW; k++) await write(newRecord(k, 'new'));
});
const plainCsv = join(out, 'plain.csv');
await writeCsv(plainCsv, async (write) => {
  for (let i = 0; i < N; i++) await write(benchRecord(i));
  for (let k = 0; k < NEW; k++) await write(newRecord(k, 'plain-new'));
});

// The job's state: a journal that says every valid record is created, with its body's hash
// (as the import writes it), and a workspace that holds the contacts of the records that change.
console.log('mapping the done records into a journal (what the first import wrote)...');
const existing = join(out, 'changed-contacts.jsonl');
const existingOut = createWriteStream(existing);
const journalRows: { id: string; line: number; h: string; b: Base }[] = [];
const changedIds = new Set<string>();
{
  const csv = await openCsv(doneCsv, config.csv);
  const classifier = new Classifier(
    config,
    indexHeader(csv.header, config.columnUses, doneCsv),
    decodedFrom(csv.writeBack),
    csv.estimatedRecords,
  );
  for await (const batch of csv.batches) {
    for (const item of batch) {
      const c = classifier.classify(item);
      if (c.kind === 'valid') {
        // As an import journals a create: the body's hash, and its base for a three-way sync (sync/base.ts).
        journalRows.push({ id: c.externalId, line: c.line, h: bodyHash(c.payload), b: baseOf(c.payload) });
        // The record's index in the file is its line less the header (bench records have no line breaks but in Notes).
        if (CHANGED(Number(c.externalId) - 100000)) {
          changedIds.add(c.externalId);
          if (
            !existingOut.write(
              `${JSON.stringify({ defaultFields: c.payload.defaultFields, externalId: c.externalId, source: 'bench-import' })}\n`,
            )
          )
            await once(existingOut, 'drain');
        }
      }
    }
  }
}
existingOut.end();
await once(existingOut, 'finish');

const box = await sandboxProcess(['--rate', '0', '--existing', existing]);
const stateDir = join(out, 'state');
mkdirSync(stateDir, { recursive: true });
const journal = new JournalWriter(join(stateDir, 'journal.jsonl'), {
  t: 'header',
  format: JOURNAL_FORMAT,
  version: JOURNAL_VERSION,
  mappingHash: config.mappingHash,
  baseUrl: box.url,
  keyFingerprint: keyFingerprint(box.apiKey),
  externalIdDefinition: describeExternalId(config.externalId),
  createdAt: new Date().toISOString(),
});
// A sync updates the contact its record's last write names (send-record.ts recordsContact): the changed records'
// are the workspace's own ids; the others' contacts are never asked for, and keep a placeholder.
const contactIds = new Map((await box.contacts()).map((c) => [c.externalId, c.id]));
for (const r of journalRows) {
  journal.append({ t: 'attempt', id: r.id, line: r.line, at: Date.now() });
  journal.append({
    t: 'done',
    id: r.id,
    cid: contactIds.get(r.id) ?? `CT${r.line}`,
    line: r.line,
    rel: 'created',
    h: r.h,
  });
  journal.append({ t: 'base', b: r.b });
}
journal.close();
journalRows.length = 0;
// As the first import left it: created.csv, and its run's end saying how much of the journal that file covers.
await writeCreatedReport(join(stateDir, 'journal.jsonl'), join(stateDir, 'created.csv'));
const ended = new JournalWriter(join(stateDir, 'journal.jsonl'), undefined);
ended.append({
  t: 'run',
  event: 'end',
  at: new Date().toISOString(),
  pid: process.pid,
  exitCode: 1,
  createdThrough: statSync(join(stateDir, 'journal.jsonl')).size,
});
ended.close();
// And the checkpoint of its fold, which an import writes at its end (journal/checkpoint.ts).
const unsaved = await checkpointJournal(join(stateDir, 'journal.jsonl'));
if (unsaved !== undefined) throw new Error(`checkpoint not written: ${unsaved}`);

/** A run of the job on `input` from a copy of its state: time to the first request past the start-up check, and the run's own figures. */
async function runOn(name: string, input: string) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const f of ['journal.jsonl', 'created.csv', STATE_FILES.checkpoint])
    copyFileSync(join(stateDir, f), join(dir, f));
  const before = (await box.arrivals()).length;
  const started = performance.now();
  const child = spawn(process.execPath, [join(here, 'sync-worker.js'), input, dir, box.url, box.apiKey], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const closed = once(child, 'close');
  let firstRequest = NaN;
  let exited = false;
  void closed.then(() => (exited = true));
  while (Number.isNaN(firstRequest) && !exited) {
    const seen = (await box.arrivals()).slice(before);
    // The start-up check of the custom fields is not the job's work.
    if (seen.some((r) => !/contact-custom-fields/.test((r as { path?: string }).path ?? '')))
      firstRequest = (performance.now() - started) / 1000;
    else await new Promise((r) => setTimeout(r, 20));
  }
  await closed;
  const result = JSON.parse(output.trim().split('\n').pop()!) as {
    seconds: number;
    counts: Record<string, number>;
    requests: Record<string, number>;
    invariant: boolean;
    maxRssMb: number;
  };
  const arrived = (await box.arrivals()).slice(before) as unknown as {
    method: string;
    path: string;
    externalIds?: string[];
  }[];
  return { firstRequest, ...result, arrived };
}

const plain = await runOn('plain', plainCsv);
console.log(
  `plain resume (the same export, ${NEW} new at its end): first request after ${plain.firstRequest.toFixed(2)} s, whole run ${plain.seconds.toFixed(1)} s, ${plain.requests.requests} requests, peak RSS ${plain.maxRssMb.toFixed(0)} MB`,
);
const sync = await runOn('sync', exportCsv);
const c = sync.counts;
const byKind = (m: string, p: RegExp) => sync.arrived.filter((r) => r.method === m && p.test(r.path)).length;
const lookups = sync.arrived.filter((r) => r.method === 'GET' && r.path === '/v1/contacts');
const askedUnchanged = lookups.flatMap((r) => r.externalIds ?? []).filter((id) => !changedIds.has(id)).length;
const patches = byKind('PATCH', /^\/v1\/contacts\//);
const posts = byKind('POST', /^\/v1\/contacts$/);
console.log(
  `sync (${changedIds.size} changed, ${NEW} new of ${c.read}): updated ${c.updated}, created ${c.created}, unchanged ${c.unchanged}, failed ${c.failed}, duplicate ${c.duplicate}; invariant ${sync.invariant ? 'holds' : 'BROKEN'}`,
);
console.log(
  `  requests: ${sync.requests.requests} = ${patches} PATCH + ${posts} POST + ${lookups.length} lookups (${(changedIds.size / Math.max(1, lookups.length)).toFixed(1)} ids each) + ${sync.requests.checks} start-up check; ids of unchanged records asked: ${askedUnchanged}`,
);
const expected = changedIds.size + NEW;
console.log(
  `  ${patches + posts === expected && c.updated === changedIds.size && askedUnchanged === 0 ? 'PASS' : 'FAIL'}: PATCH + POST = changed + new (${expected}), no request for an unchanged record`,
);
console.log(
  `  first request after ${sync.firstRequest.toFixed(2)} s (plain resume: ${plain.firstRequest.toFixed(2)} s, ratio ${(sync.firstRequest / plain.firstRequest).toFixed(2)}); whole run ${sync.seconds.toFixed(1)} s`,
);
console.log(
  `  peak RSS ${sync.maxRssMb.toFixed(0)} MB (plain resume ${plain.maxRssMb.toFixed(0)} MB, ratio ${(sync.maxRssMb / plain.maxRssMb).toFixed(2)}): ${sync.maxRssMb < 250 ? 'PASS' : 'FAIL'} (target < 250 MB)`,
);
await box.stop();

console.log(`\nlisting a workspace of ${WORKSPACE} contacts for --match-existing...`);
const workspaceFile = join(out, 'workspace.jsonl');
{
  const w = createWriteStream(workspaceFile);
  for (let i = 0; i < WORKSPACE; i++) {
    const r = benchRecord(i);
    const line = JSON.stringify({
      defaultFields: {
        firstName: r[1],
        lastName: r[2],
        company: r[3],
        emails: [{ name: 'work', value: `user${i}@example.com` }],
        phoneNumbers: [{ name: 'mobile', value: r[7] }],
      },
      source: 'csv-v2',
      externalId: i % 10 === 0 ? `other-${i}` : null,
    });
    if (!w.write(`${line}\n`)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
}
const ws = await sandboxProcess(['--rate', '0', '--existing', workspaceFile]);
try {
  const base = measureInChild(join(here, 'index-worker.js'), [ws.url, ws.apiKey, 'baseline']) as unknown as {
    maxRssMb: number;
  };
  const idx = measureInChild(join(here, 'index-worker.js'), [ws.url, ws.apiKey, 'index']) as unknown as {
    seconds: number;
    contacts: number;
    requests: number;
    maxRssMb: number;
  };
  console.log(
    `  ${idx.contacts} contacts in ${idx.requests} requests (${Math.ceil(WORKSPACE / 50)} expected: 50 a page; at the live 10/s that is ${(idx.requests / 10 / 60).toFixed(1)} minutes), ${idx.seconds.toFixed(1)} s here`,
  );
  console.log(
    `  peak RSS ${idx.maxRssMb.toFixed(0)} MB against ${base.maxRssMb.toFixed(0)} MB for a process that only connects: the index costs ${(idx.maxRssMb - base.maxRssMb).toFixed(0)} MB`,
  );
} finally {
  await ws.stop();
}
