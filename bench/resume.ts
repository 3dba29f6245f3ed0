import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/load.js';
import { JOURNAL_FORMAT } from '../src/state/private-files.js';
import { JOURNAL_VERSION } from '../src/journal/events.js';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { describeExternalId } from '../src/journal/external-id-check.js';
import { checkpointJournal, replayJournal } from '../src/journal/replay.js';
import { STATE_FILES } from '../src/state/private-files.js';
import { writeCreatedReport } from '../src/report/created-report.js';
import { forEachLine } from '../src/journal/lines.js';
import { readPriorStates } from '../src/ownership/prior-states.js';
import { keyFingerprint } from '../src/journal/target.js';
import { BENCH_CONFIG, BENCH_HEADER, benchRecord, generateContacts } from './generate-contacts.js';
import { sandboxProcess } from './sandbox-process.js';

// npm run bench:resume [records] [nights]: a journal of 1,000,000 created records, then a
// resumed run. Measured: time from the process start to its first new request, and its
// peak RSS (targets: within 4 times the baseline, < 250 MB), for new records at the top of
// the input (start-up cost: reading what the journal knows) and, for information, after
// the million done ones (the whole file is read to reach them). Then the same job after
// 365 nightly syncs of 1% changes, each a run that ends with its checkpoint, but the last,
// killed before its end (its lines are replayed): the start must not grow with the runs.
// Baseline in the same run: a process that only starts Node and loads the program (no journal).
const DONE = Number(process.argv[2] ?? 1_000_000);
const NIGHTS = Number(process.argv[3] ?? 365);
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'bench', 'out', `resume-${DONE}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const config = parseConfig(JSON.stringify(BENCH_CONFIG), 'bench.json');

console.log(`writing ${DONE} records and a journal that says they are created...`);
const doneFile = join(out, 'done.csv');
await generateContacts(doneFile, DONE);
const stateDir = join(out, 'state');
mkdirSync(stateDir, { recursive: true });
// One sandbox for every run: a journal belongs to one API and key (journal/target.ts).
const box = await sandboxProcess(['--rate', '0']);
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
for (let i = 0; i < DONE; i++) {
  const id = benchRecord(i)[0]!;
  journal.append({ t: 'attempt', id, line: i + 2 });
  journal.append({ t: 'done', id, cid: `CT${i}`, line: i + 2, rel: 'created' });
}
journal.close();
// As the import that made them left the job: created.csv, and its run's end saying how much of the journal that covers.
await writeCreatedReport(join(stateDir, 'journal.jsonl'), join(stateDir, 'created.csv'));
const ended = new JournalWriter(join(stateDir, 'journal.jsonl'), undefined);
ended.append({
  t: 'run',
  event: 'end',
  at: new Date().toISOString(),
  pid: process.pid,
  exitCode: 0,
  createdThrough: statSync(join(stateDir, 'journal.jsonl')).size,
});
ended.close();
// As the import that made them left the job: the checkpoint of its fold, written at its end.
const fold = await replayJournal(join(stateDir, 'journal.jsonl'));
const saveStarted = performance.now();
const unsaved = await checkpointJournal(join(stateDir, 'journal.jsonl'), fold);
if (unsaved !== undefined) throw new Error(`checkpoint not written: ${unsaved}`);
console.log(
  `checkpoint of ${fold.done.size} records: ${(statSync(join(stateDir, STATE_FILES.checkpoint)).size / 1e6).toFixed(0)} MB, written in ${((performance.now() - saveStarted) / 1000).toFixed(2)} s at the run's end`,
);

async function writeInput(path: string, newFirst: boolean): Promise<void> {
  const w = createWriteStream(path);
  const fresh = Array.from({ length: 20 }, (_, i) => benchRecord(DONE + 1000 + i));
  fresh.forEach((r, i) => (r[0] = `new-${i}`));
  const freshText = fresh.map((r) => `${r.map(quote).join(',')}\n`).join('');
  w.write(`${BENCH_HEADER.join(',')}\n`);
  if (newFirst) w.write(freshText);
  let first = true;
  for await (const chunk of createReadStream(doneFile, { encoding: 'utf8' })) {
    let text = chunk as string;
    if (first) {
      text = text.slice(text.indexOf('\n') + 1);
      first = false;
    }
    if (!w.write(text)) await once(w, 'drain');
  }
  if (!newFirst) w.write(freshText);
  w.end();
  await once(w, 'finish');
}

async function timeToFirstRequest(
  input: string,
  state: string | undefined,
): Promise<{ seconds: number; maxRssMb: number }> {
  const postsBefore = (await box.arrivals('POST')).length;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(here, 'resume-worker.js'), input, state ?? join(out, 'fresh-state'), box.url, box.apiKey],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  let seconds = NaN;
  while (Number.isNaN(seconds)) {
    if (exited !== undefined) throw new Error(`the resumed run ended with exit ${exited} before sending anything`);
    if ((await box.arrivals('POST')).length > postsBefore) seconds = (performance.now() - started) / 1000;
    else await new Promise((r) => setTimeout(r, 10));
  }
  await once(child, 'close');
  return { seconds, ...(JSON.parse(output.trim().split('\n').pop()!) as { maxRssMb: number }) };
}

const replayStart = performance.now();
const state = await replayJournal(join(stateDir, 'journal.jsonl'));
console.log(
  `journal: ${state.events} events, ${state.done.size} created; replay alone ${((performance.now() - replayStart) / 1000).toFixed(2)} s in this process`,
);

const newFirstInput = join(out, 'new-first.csv');
await writeInput(newFirstInput, true);
const baseline = await timeToFirstRequest(newFirstInput, undefined);
console.log(
  `baseline (no journal, new records first): first request after ${baseline.seconds.toFixed(2)} s, peak RSS ${baseline.maxRssMb.toFixed(0)} MB`,
);
const copy = (name: string) => {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  // Copied whole before the run starts: a run that repairs a journal still being written would cut it mid-copy.
  for (const f of ['journal.jsonl', 'created.csv', STATE_FILES.checkpoint])
    copyFileSync(join(stateDir, f), join(dir, f));
  return dir;
};
const a = await timeToFirstRequest(newFirstInput, copy('state-a'));
await new Promise((r) => setTimeout(r, 100));
console.log(
  `resume, ${DONE} created in the journal, new records first: first request after ${a.seconds.toFixed(2)} s (${(a.seconds / baseline.seconds).toFixed(1)}x the baseline), peak RSS ${a.maxRssMb.toFixed(0)} MB`,
);
const newLastInput = join(out, 'new-last.csv');
await writeInput(newLastInput, false);
const b = await timeToFirstRequest(newLastInput, copy('state-b'));
console.log(
  `resume, new records after the ${DONE} done ones (whole file read first): first request after ${b.seconds.toFixed(2)} s, peak RSS ${b.maxRssMb.toFixed(0)} MB (for information)`,
);

// A year of nightly syncs: each night 1% of the records changed (PATCHed, with their base), the
// run ends and leaves its checkpoint; the last night's run is killed before its end.
const journalPath = join(stateDir, 'journal.jsonl');
const yearStarted = performance.now();
const perNight = Math.max(1, Math.round(DONE / 100));
for (let night = 1; night <= NIGHTS; night++) {
  const w = new JournalWriter(journalPath, undefined);
  const at = new Date(Date.UTC(2027, 0, night)).toISOString();
  w.append({ t: 'run', event: 'start', at, pid: night, input: 'export.csv' });
  for (let k = 0; k < perNight; k++) {
    const i = (night * perNight + k) % DONE;
    const id = benchRecord(i)[0]!;
    w.append({ t: 'attempt', id, line: i + 2, at: Date.parse(at) + k, op: 'update' });
    w.append({ t: 'patched', id, cid: `CT${i}`, line: i + 2, why: 'sync', h: nightHash(night), up: at });
    w.append({ t: 'base', b: { f: { firstName: 'Ada', lastName: `Night ${night}`, role: 'Changed Title' } } });
  }
  if (night < NIGHTS) {
    // As a run ends: created.csv covers the journal so far (no record was created, so it is as it was).
    w.flush();
    const createdThrough = statSync(journalPath).size;
    w.append({ t: 'run', event: 'end', at, pid: night, exitCode: 0, counts: { updated: perNight }, createdThrough });
    w.close();
    const why = await checkpointJournal(journalPath, fold);
    if (why !== undefined) throw new Error(`checkpoint not written: ${why}`);
  } else w.close();
}
console.log(
  `${NIGHTS} nights of ${perNight} changes written in ${((performance.now() - yearStarted) / 1000).toFixed(0)} s: journal ${(statSync(journalPath).size / 1e9).toFixed(2)} GB, the last night's ${perNight} PATCHes after the checkpoint`,
);
const y = await timeToFirstRequest(newFirstInput, copy('state-year'));
console.log(
  `resume after ${NIGHTS} nightly syncs, new records first: first request after ${y.seconds.toFixed(2)} s (${(y.seconds / baseline.seconds).toFixed(1)}x the baseline), peak RSS ${y.maxRssMb.toFixed(0)} MB`,
);
// A release (--delete-missing of an adopted contact) or a rollback reads the contacts' states before the
// job's first write, the prior events, from this whole journal: against a bare read of its lines.
const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const bareRead = await timed(() => forEachLine(journalPath, () => {}));
const priorRead = await timed(() => readPriorStates(journalPath, join(stateDir, 'prior.jsonl')));
console.log(
  `the prior states a release or rollback reads, over this journal: ${priorRead.toFixed(2)} s, ${(priorRead / bareRead).toFixed(1)}x a bare read of its lines (${bareRead.toFixed(2)} s)`,
);
const within = (r: { seconds: number; maxRssMb: number }) => r.seconds <= 4 * baseline.seconds && r.maxRssMb < 250;
console.log(
  within(a) && within(y)
    ? 'PASS (within 4x the baseline, < 250 MB, at the start and after a year)'
    : 'FAIL (targets: within 4x the baseline, < 250 MB, at the start and after a year)',
);
await box.stop();

/** A body hash of plan.ts's form (16 base64url characters), one per night. */
function nightHash(night: number): string {
  return `night${String(night).padStart(11, '0')}`;
}
