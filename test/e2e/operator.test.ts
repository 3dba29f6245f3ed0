import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { cliError, runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

test('a cron-like run (no terminal): progress lines at the interval, --max-duration stops with exit 4, the rerun finishes', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 200, { requestsPerSecond: 40 });
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const first = await runCli(j.args(sandbox.url, '--max-duration', '2500ms', '--progress-interval', '500ms'), env);
  expect(first.code).toBe(4);
  expect(first.stdout).toMatch(/stopped early: --max-duration reached; run the same command again to continue/);
  const progress = first.stderr.split('\n').filter((l) => l.startsWith('progress: '));
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress[0]).toMatch(/^progress: \d+\/\d+ \(\d+%\) records, [\d.]+\/s(, ETA \S+)? · created \d+/);
  // No terminal escape (ESC [) off a terminal.
  expect(first.stderr).not.toContain('\x1b[');
  const second = await runCli(j.args(sandbox.url, '--quiet'), env);
  expect(second.code).toBe(1);
  expect(second.stderr).toBe('');
  expect(sandbox.stats().duplicateExternalIds).toBe(0);
  expect(sandbox.contacts()).toHaveLength(j.file.valid.length);
  // The total is the reader's estimate (records parsed so far over the bytes of the text they came from): near what the full run read.
  const read = (JSON.parse(readFileSync(join(j.stateDir, 'summary.json'), 'utf8')) as { counts: { read: number } })
    .counts.read;
  const estimate = Number(/\/(\d+) \(/.exec(progress[0]!)![1]);
  expect(Math.abs(estimate - read)).toBeLessThanOrEqual(read * 0.05);
}, 60_000);

test('--log-format json: every stderr line is a JSON object', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 30);
  const r = await runCli(j.args(sandbox.url, '--log-format', 'json', '--progress-interval', '1ms'), {
    OPENPHONE_API_KEY: sandbox.apiKey,
  });
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(JSON.parse(l)).toMatchObject({ time: expect.any(String), level: expect.any(String) });
  // The final summary is among them, with the numbers summary.json has.
  const summary = lines.map((l) => JSON.parse(l)).find((e) => e.event === 'summary');
  expect(summary.counts).toEqual(JSON.parse(readFileSync(join(j.stateDir, 'summary.json'), 'utf8')).counts);
  expect(summary.next.join('\n')).toMatch(/failures\.csv/);

  // Errors, and a stop, are JSON too.
  const bad = await runCli(
    ['run', '-c', j.config, '-i', join(dir(), 'missing.csv'), '--log-format', 'json', '--base-url', sandbox.url],
    { OPENPHONE_API_KEY: sandbox.apiKey },
  );
  expect(bad.code).toBe(2);
  expect(JSON.parse(bad.stderr.trim())).toMatchObject({
    level: 'error',
    event: 'error',
    code: 'INPUT_UNREADABLE',
    exitCode: 2,
  });
  const aborted = await runCli(
    [
      'run',
      '-c',
      j.config,
      '-i',
      j.input,
      '--state-dir',
      join(dir(), 'other'),
      '--base-url',
      sandbox.url,
      '--log-format',
      'json',
    ],
    { OPENPHONE_API_KEY: 'not-the-key' },
  );
  expect(aborted.code).toBe(3);
  for (const l of aborted.stderr.trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
  // Warnings carry a stable code, the dry run's too (it once wrote them as text).
  const warned = await runCli(
    [
      'run',
      '-c',
      j.config,
      '-i',
      j.input,
      '--dry-run',
      '--state-dir',
      join(dir(), 'dry'),
      '--base-url',
      'http://192.0.2.1:8080',
      '--log-format',
      'json',
    ],
    { OPENPHONE_API_KEY: '' },
  );
  const warnings = warned.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.level === 'warn' && e.event !== 'summary');
  expect(warnings).toEqual([
    expect.objectContaining({ code: 'PLAIN_HTTP', message: expect.stringContaining('http://192.0.2.1:8080') }),
  ]);
});

describe('status', () => {
  test('after runs: counts from the journal, the last run, the lock', async () => {
    // The second read of the custom fields (the next run's start-up check) is refused.
    const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:422=#4,fields:403=#2') });
    const j = cliJob(dir(), 40);
    const run = await runCli(j.args(sandbox.url, '--max-rows', '20'), { OPENPHONE_API_KEY: sandbox.apiKey });
    expect(run.code).toBe(4);
    const status = await runCli(['status', '--state-dir', j.stateDir, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s).toMatchObject({
      created: 19,
      failedPermanent: 1,
      failedRetryable: 0,
      inDoubt: 0,
      runs: 1,
      lastRun: { exitCode: 4, input: j.input },
      lock: { held: false },
    });
    const text = await runCli(['status', '--state-dir', j.stateDir]);
    expect(text.stdout).toMatch(/contacts over 1 run\(s\): created by this job 19\n/);
    expect(text.stdout).toMatch(/ended .* with exit 4/);
    expect(text.stdout).toMatch(/lock: free/);
    // What the journal does not hold: the rows failing validation in failures.csv, and what is left of the file.
    const read = (
      JSON.parse(readFileSync(join(j.stateDir, 'summary.json'), 'utf8')) as {
        counts: { read: number; failed: number; duplicate: number };
      }
    ).counts;
    expect(s.failuresReport).toMatchObject({
      rows: read.failed + read.duplicate,
      refusedByApi: 1,
      invalid: read.failed - 1,
      byCode: expect.objectContaining({ API_422_0800422: 1 }),
    });
    expect(s.failuresReport.invalid).toBeGreaterThan(0);
    expect(s.left).toEqual({ records: 40 - read.read, about: true });
    expect(text.stdout).toMatch(
      new RegExp(`failures\\.csv: ${read.failed + read.duplicate} row\\(s\\): ${read.failed - 1} failing validation`),
    );
    expect(text.stdout).toMatch(new RegExp(`left of the input: about ${40 - read.read} record`));
    // A run refused at start-up is the journal's too, with why and what to do; the counts stay the job's.
    const refused = await runCli(j.args(sandbox.url), { OPENPHONE_API_KEY: sandbox.apiKey });
    expect(refused.code).toBe(3);
    const after = JSON.parse((await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout);
    expect(after).toMatchObject({
      created: 19,
      runs: 2,
      lastRun: { exitCode: 3, abortedBecause: expect.stringMatching(/403/), abortHint: expect.any(String) },
    });
    // status reads the journal and the lock alone: the same answer without summary.json and failures.csv.
    const before = (await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout;
    const beforeText = (await runCli(['status', '--state-dir', j.stateDir])).stdout;
    expect(beforeText).toMatch(/ABORTED: .*403/);
    rmSync(join(j.stateDir, 'summary.json'));
    rmSync(join(j.stateDir, 'failures.csv'));
    expect((await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout).toBe(before);
    expect((await runCli(['status', '--state-dir', j.stateDir])).stdout).toBe(beforeText);
  });

  test("a night whose export no longer fits the config (a column renamed in the CRM), or whose cron has no key, is the journal's too: status says it was refused and why; the next night reads on as before", async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const j = cliJob(dir(), 12);
    const env = { OPENPHONE_API_KEY: sandbox.apiKey };
    expect((await runCli(j.args(sandbox.url), env)).code).toBe(1);
    const created = readFileSync(join(j.stateDir, 'created.csv'), 'utf8');
    const renamed = join(dir(), 'renamed.csv');
    writeFileSync(renamed, readFileSync(j.input, 'utf8').replace(/^Record ID,/, 'Record Id,'));
    const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
    const sent = posts();
    const args = j.args(sandbox.url).map((a) => (a === j.input ? renamed : a));
    const refused = await runCli(args, env);
    expect(refused.code).toBe(2);
    expect(posts()).toBe(sent);
    const status = JSON.parse((await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout);
    expect(status).toMatchObject({
      runs: 2,
      lastRun: { exitCode: 2, input: renamed, abortedBecause: expect.stringMatching(/\[CSV_HEADER_MISMATCH\]$/) },
    });
    expect(status.lastSummary).toBeUndefined();
    expect((await runCli(['status', '--state-dir', j.stateDir])).stdout).toMatch(
      /with exit 2; input .*renamed\.csv\n {2}REFUSED \(nothing was sent\): .*renamed\.csv:1: the header does not fit the config/,
    );
    // So is a night refused before the job began: cron's environment without the key.
    expect((await runCli(j.args(sandbox.url), { OPENPHONE_API_KEY: '' })).code).toBe(2);
    expect(JSON.parse((await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout)).toMatchObject({
      runs: 3,
      lastRun: { exitCode: 2, input: j.input, abortedBecause: expect.stringMatching(/\[API_KEY_MISSING\]$/) },
    });
    // The lock was given back, and the refused nights count for nothing: the next reads on, created.csv as it was.
    expect((await runCli(j.args(sandbox.url), env)).code).toBe(1);
    expect(readFileSync(join(j.stateDir, 'created.csv'), 'utf8')).toBe(created);
    expect(JSON.parse((await runCli(['status', '--state-dir', j.stateDir, '--json'])).stdout)).toMatchObject({
      runs: 4,
      lastRun: { exitCode: 1, input: j.input },
    });
    // report.html's table of runs says why each refused night sent nothing.
    const page = readFileSync(join(j.stateDir, 'report.html'), 'utf8');
    expect([...page.matchAll(/data-run-why="(\w+)">[^<]*\[(\w+)\]</g)].map((m) => [m[1], m[2]])).toEqual([
      ['refused', 'CSV_HEADER_MISMATCH'],
      ['refused', 'API_KEY_MISSING'],
    ]);
  });

  test('in-doubt attempts, a run that did not record its end, a held and a stale lock', async () => {
    const stateDir = join(dir(), 'state');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stateDir);
    const lines = [
      {
        t: 'header',
        format: 'openphone-import-journal',
        version: 1,
        mappingHash: 'h',
        baseUrl: 'x',
        createdAt: 'then',
      },
      { t: 'run', event: 'start', at: '2026-11-26T10:00:00.000Z', pid: 4242, input: 'c.csv' },
      { t: 'attempt', id: 'a', line: 2 },
      { t: 'created', id: 'a', cid: 'C1', line: 2 },
      { t: 'attempt', id: 'b', line: 3 },
    ];
    writeFileSync(
      join(stateDir, 'journal.jsonl'),
      `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"t":"attempt","id":"c"`,
    );
    writeFileSync(join(stateDir, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now' }));
    const held = JSON.parse((await runCli(['status', '--state-dir', stateDir, '--json'])).stdout);
    expect(held).toMatchObject({
      created: 1,
      inDoubt: 1,
      lastRun: { startedAt: '2026-11-26T10:00:00.000Z' },
      lock: { held: true, pid: process.pid, alive: true },
    });
    expect(held.lastRun.endedAt).toBeUndefined();
    // Read-only: the unfinished last line is left as it is.
    expect((await import('node:fs')).readFileSync(join(stateDir, 'journal.jsonl'), 'utf8').endsWith('"id":"c"')).toBe(
      true,
    );
    writeFileSync(
      join(stateDir, 'lock'),
      JSON.stringify({ pid: 2 ** 22 + 999, host: hostname(), startedAt: 'earlier' }),
    );
    const stale = await runCli(['status', '--state-dir', stateDir]);
    expect(stale.stdout).toMatch(/in doubt: 1 \(sent, outcome unknown/);
    expect(stale.stdout).toMatch(/did not record its end/);
    expect(stale.stdout).toMatch(/lock: left by a run that is gone/);
  });

  test('a directory without a job: exit 2 with what was expected', async () => {
    const r = await runCli(['status', '--state-dir', dir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /holds no job \(no journal\.jsonl\): expected the --state-dir of an import\nhint: name the folder the import used: by default <input>\.openphone-import beside the input/,
    );
  });
});

describe('demo', () => {
  test('imports the demo file into an in-process sandbox, twice in a row, exit 0', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['demo', '--state-dir', join(dir(), 'demo')]);
      expect(r.code).toBe(0);
      // The workspace had 4 contacts: two are adopted (by phone; by email and phone), one another source holds is for review.
      expect(r.stdout).toMatch(/created 11, adopted 2, for review 1, duplicate 1, failed 2/);
      expect(r.stdout).toMatch(/values left out of imported records: 4 \(.*\): see .*dropped-values\.csv/);
      expect(r.stdout).toMatch(/the sandbox now holds 15 contacts \(0 duplicated externalIds\)/);
      expect(r.stdout).toMatch(/a real run exits 1 on them/);
    }
  });
  test('never clears a folder that is not a state directory', async () => {
    const { mkdirSync, existsSync } = await import('node:fs');
    mkdirSync(join(dir(), 'mine'));
    writeFileSync(join(dir(), 'mine', 'thesis.txt'), 'precious');
    const r = await runCli(['demo', '--state-dir', join(dir(), 'mine')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not an openphone-import state directory: not cleared/);
    expect(existsSync(join(dir(), 'mine', 'thesis.txt'))).toBe(true);
  });
});

test('--quiet: a run that ends well with no warning prints nothing at all (cron mails only on trouble); one with failed rows prints its summary', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 30);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  // The file's bad rows on purpose: exit 1, the summary on stdout.
  const troubled = await runCli(j.args(sandbox.url, '--quiet', '--match-existing', 'none'), env);
  expect(troubled.code).toBe(1);
  expect(troubled.stdout).toMatch(/failed \d+/);
  // Only the good rows, all done already: exit 0, not a byte.
  const clean = join(dir(), 'clean.csv');
  const rows = readFileSync(j.input, 'utf8').split('\n');
  writeFileSync(clean, [rows[0], ...rows.slice(1).filter((r) => j.file.valid.includes(r.split(',')[0]!))].join('\n'));
  const quiet = await runCli(
    ['run', '-c', j.config, '-i', clean, '--state-dir', j.stateDir, '--base-url', sandbox.url, '--quiet'],
    env,
  );
  expect(quiet.code).toBe(0);
  expect(quiet.stdout).toBe('');
  expect(quiet.stderr).toBe('');
  // A window that stops (exit 4) having moved records is quiet; one that moved none is trouble, and says so.
  // (A workspace of its own: in the first one, the first job's contacts hold these ids, CONTACTS_OF_ANOTHER_JOB.)
  const another = await startSandbox({ rate: 0 });
  const anotherEnv = { OPENPHONE_API_KEY: another.apiKey };
  mkdirSync(join(dir(), 'more'));
  const more = cliJob(join(dir(), 'more'), 20);
  const moved = await runCli(more.args(another.url, '--quiet', '--max-rows', '5'), anotherEnv);
  expect(moved).toEqual({ code: 4, stdout: '', stderr: '' });
  const stuck = await runCli(more.args(another.url, '--quiet', '--max-rows', '0'), anotherEnv);
  expect(stuck.code).toBe(4);
  expect(stuck.stdout).toMatch(/stopped early: --max-rows 0 reached/);
});

test('--tolerate-failed N or P%: a run whose failed rows stay within it exits 0, saying so; above it exit 1; failures.csv lists them either way', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 30);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const failed = j.file.invalidLines.length + j.file.duplicateLines.length;
  expect(failed).toBeGreaterThan(1);
  const within = await runCli(j.args(sandbox.url, '--tolerate-failed', String(failed)), env);
  expect(within.code).toBe(0);
  expect(within.stdout).toMatch(
    new RegExp(`${failed} record\\(s\\) failed, within --tolerate-failed ${failed}: exit 0`),
  );
  expect(readFileSync(join(j.stateDir, 'failures.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + failed);
  expect((await runCli(j.args(sandbox.url, '--tolerate-failed', String(failed - 1)), env)).code).toBe(1);
  expect((await runCli(j.args(sandbox.url, '--tolerate-failed', '50%'), env)).code).toBe(0);
  expect((await runCli(j.args(sandbox.url, '--tolerate-failed', '1%'), env)).code).toBe(1);
  const bad = await runCli(j.args(sandbox.url, '--tolerate-failed', 'some'), env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--tolerate-failed: found "some"/);
});

test("each run keeps its own files in runs/<start>/: a rerun of failures.csv leaves the first run's reports as they were, and report.html links every run's", async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 30);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  expect((await runCli(j.args(sandbox.url), env)).code).toBe(1);
  const firstFailures = readFileSync(join(j.stateDir, 'failures.csv'), 'utf8');
  const firstDropped = readFileSync(join(j.stateDir, 'dropped-values.csv'), 'utf8');
  // The person fixes one row of failures.csv (drops it, here) and runs the file.
  const lines = firstFailures.trimEnd().split('\n');
  const failuresCopy = join(dir(), 'failures.csv');
  writeFileSync(failuresCopy, `${[lines[0], ...lines.slice(2)].join('\n')}\n`);
  const rerun = await runCli(
    ['run', '-c', j.config, '-i', failuresCopy, '--state-dir', j.stateDir, '--base-url', sandbox.url],
    env,
  );
  expect(rerun.code).toBe(1);
  const runs = readdirSync(join(j.stateDir, 'runs'))
    .filter((f) => !f.startsWith('.'))
    .sort();
  expect(runs).toHaveLength(2);
  expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
  const first = join(j.stateDir, 'runs', runs[0]!);
  expect(readFileSync(join(first, 'failures.csv'), 'utf8')).toBe(firstFailures);
  expect(readFileSync(join(first, 'dropped-values.csv'), 'utf8')).toBe(firstDropped);
  expect(JSON.parse(readFileSync(join(first, 'summary.json'), 'utf8')).input).toBe(j.input);
  const second = join(j.stateDir, 'runs', runs[1]!);
  expect(readFileSync(join(second, 'failures.csv'), 'utf8')).toBe(
    readFileSync(join(j.stateDir, 'failures.csv'), 'utf8'),
  );
  const page = readFileSync(join(j.stateDir, 'report.html'), 'utf8');
  for (const run of runs) expect(page).toContain(`<a href="runs/${run}/failures.csv">failures.csv</a>`);
  expect(page).toMatch(/data-net-created="\d+"/);
  const status = await runCli(['status', '--state-dir', j.stateDir, '--json']);
  expect(JSON.parse(status.stdout).runs).toBe(2);
});

test('failures.csv fixed and saved by a spreadsheet app of another region (";") reruns with init\'s config; its duplicate row stays a duplicate and leaves the first record\'s contact alone', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const exportFile = join(dir(), 'export.csv');
  writeFileSync(
    exportFile,
    [
      'Record ID,First Name,Last Name,Email,Phone',
      '1,Zoë,Müller,zoe@example.com,(415) 555-0101',
      '2,Ada,Lovelace,ada@example.com,(415) 555-0102',
      ',No,Id,noid@example.com,(415) 555-0104',
      '1,Dup,Licate,dup@example.com,(415) 555-0103',
      '',
    ].join('\n'),
  );
  const config = join(dir(), 'import.json');
  expect((await runCli(['init', '-i', exportFile, '-o', config], { OPENPHONE_API_KEY: '' })).code).toBe(0);
  const stateDir = join(dir(), 'state');
  const run = (input: string, configFile = config, ...more: string[]) =>
    runCli(['run', '-c', configFile, '-i', input, '--state-dir', stateDir, '--base-url', sandbox.url, ...more], env);
  const first = await run(exportFile);
  expect(first.code).toBe(1);
  expect(sandbox.contacts()).toHaveLength(2);

  // German Excel, "CSV UTF-8": the byte order mark, ";" between fields, CRLF; the missing id filled in.
  const failures = join(stateDir, 'failures.csv');
  const rows = parse(readFileSync(failures, 'utf8'), { bom: true }) as string[][];
  expect(rows.map((r) => r[0])).toEqual(['Record ID', '', '1']);
  rows[1]![0] = '5';
  writeFileSync(failures, `\uFEFF${stringify(rows, { delimiter: ';', record_delimiter: '\r\n' })}`);
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  const before = posts();
  const rerun = await run(failures);
  expect(rerun.code).toBe(1);
  expect(rerun.stdout).toMatch(/created 1, .*duplicate 1, failed 0/);
  expect(posts() - before).toBe(1);
  expect(sandbox.requests().filter((r) => r.method === 'PATCH')).toHaveLength(0);
  expect(sandbox.contactsByExternalId().get('5')?.[0]?.defaultFields).toMatchObject({
    firstName: 'No',
    lastName: 'Id',
  });
  expect(sandbox.contactsByExternalId().get('1')?.[0]?.defaultFields).toMatchObject({
    firstName: 'Zoë',
    lastName: 'Müller',
  });
  // The duplicate is listed again, with where it first came from and the fix.
  const again = parse(readFileSync(failures, 'utf8'), { bom: true, columns: true, delimiter: ';' }) as Record<
    string,
    string
  >[];
  expect(again).toHaveLength(1);
  expect(again[0]).toMatchObject({ 'Record ID': '1', _source_line: '5', _error_code: 'DUPLICATE_EXTERNAL_ID' });
  expect(again[0]!._error_message).toMatch(/give the row an externalId of its own/);

  // A config of an older init names the delimiter: the file's other separator is said as such (exit 2).
  const pinned = join(dir(), 'pinned.json');
  const written = JSON.parse(readFileSync(config, 'utf8')) as { csv?: Record<string, unknown> };
  writeFileSync(pinned, JSON.stringify({ ...written, csv: { ...written.csv, delimiter: ',' } }));
  const refused = await run(failures, pinned, '--log-format', 'json');
  expect(refused.code).toBe(2);
  expect(cliError(refused)).toMatchObject({
    code: 'CSV_DELIMITER_MISMATCH',
    hint: expect.stringMatching(/remove "delimiter"/),
  });
}, 60_000);
