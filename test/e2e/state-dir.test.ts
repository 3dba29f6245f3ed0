import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { importJob } from '../../src/job/import-job.js';
import { silentLog } from '../../src/log.js';
import { dryRun } from '../../src/job/dry-run.js';

import { cliError, runCli } from '../helpers/cli.js';
import { configFrom } from '../helpers/config.js';
import { cliJob, importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { ROOT } from '../helpers/paths.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { writeWorkbook } from '../helpers/workbook.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();
const asRoot = process.getuid?.() === 0 ? test : test.skip;

function job(n = 20) {
  const input = join(dir(), 'contacts.csv');
  const file = writeContactsFile(input, n);
  return { input, file, config: configFrom(importConfig()) };
}

/** A file outside the state directory that a planted link points at. */
function victim(): { path: string; intact: () => void } {
  const path = join(dir(), 'victim.txt');
  writeFileSync(path, 'precious', { mode: 0o644 });
  chmodSync(path, 0o644);
  return {
    path,
    intact: () => {
      expect(readFileSync(path, 'utf8')).toBe('precious');
      expect(statSync(path).mode & 0o777).toBe(0o644);
    },
  };
}

describe('planted links are never followed', () => {
  test('journal.jsonl linked to another file: exit 2, the target neither truncated nor chmod-ed', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const { input, config } = job();
    const v = victim();
    const stateDir = join(dir(), 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    symlinkSync(v.path, join(stateDir, 'journal.jsonl'));
    const run = importJob({ config, input, stateDir, apiKey: sandbox.apiKey, baseUrl: sandbox.url, log: silentLog });
    await expect(run).rejects.toMatchObject({ code: 'STATE_FILE_LINK', exitCode: 2 });
    v.intact();
    expect(sandbox.contacts()).toHaveLength(0);
  });

  test('reports and their temp files: a link in their place is replaced, its target untouched', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const { input, config, file } = job();
    const v = victim();
    const stateDir = join(dir(), 'state');
    mkdirSync(join(stateDir, 'dry-run'), { recursive: true, mode: 0o700 });
    chmodSync(stateDir, 0o700);
    // The state directory of an earlier run (its marker), into which links were planted since.
    for (const d of [stateDir, join(stateDir, 'dry-run')])
      writeFileSync(
        join(d, '.openphone-import'),
        `${JSON.stringify({ format: 'openphone-import-state', version: 1 })}\n`,
      );
    for (const name of [
      'failures.csv',
      'failures.csv.tmp',
      'summary.json',
      'created.csv',
      'created.csv.tmp',
      'summary.json.tmp',
    ])
      symlinkSync(v.path, join(stateDir, name));
    for (const name of ['failures.csv', 'payloads.jsonl', 'summary.json', 'payloads.jsonl.tmp'])
      symlinkSync(v.path, join(stateDir, 'dry-run', name));
    await dryRun({ config, input, stateDir, log: silentLog });
    const summary = await importJob({
      config,
      input,
      stateDir,
      apiKey: sandbox.apiKey,
      baseUrl: sandbox.url,
      log: silentLog,
    });
    expect(summary.counts.created).toBe(file.valid.length);
    v.intact();
    for (const name of ['failures.csv', 'summary.json', 'created.csv'])
      expect(statSync(join(stateDir, name)).isFile()).toBe(true);
  });
});

describe("a state directory is the user's own, and only ever a state directory", () => {
  asRoot('owned by someone else: exit 2, nothing written', async () => {
    const { input, config } = job();
    const stateDir = join(dir(), 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    chownSync(stateDir, 65534, 65534);
    await expect(dryRun({ config, input, stateDir, log: silentLog })).rejects.toMatchObject({
      code: 'STATE_DIR_NOT_OWNED',
      exitCode: 2,
      message: expect.stringMatching(/belongs to user id 65534/),
    });
    expect(readdirSync(stateDir)).toEqual([]);
  });

  test.each([
    ['770', 0o770],
    ['1777', 0o1777],
  ])('writable by others (mode %s): exit 2, the mode left as it was (a sticky bit too)', async (_octal, mode) => {
    const { input, config } = job();
    const stateDir = join(dir(), 'shared folder');
    mkdirSync(stateDir);
    chmodSync(stateDir, mode);
    // The printed fix is a command that works as pasted: the path quoted.
    await expect(dryRun({ config, input, stateDir, log: silentLog })).rejects.toMatchObject({
      code: 'STATE_DIR_SHARED',
      exitCode: 2,
      hint: expect.stringMatching(/chmod 700 '.*shared folder'$/),
    });
    expect(statSync(stateDir).mode & 0o7777).toBe(mode);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  test('an existing folder that is not a state directory: exit 2, neither changed nor written into', async () => {
    const { input, config } = job();
    const stateDir = join(dir(), 'documents');
    mkdirSync(stateDir);
    chmodSync(stateDir, 0o755);
    writeFileSync(join(stateDir, 'thesis.txt'), 'precious');
    writeFileSync(join(dir(), 'c.json'), JSON.stringify(importConfig()));
    const cli = await runCli([
      ...['run', '--dry-run', '-c', join(dir(), 'c.json'), '-i', input, '--state-dir', stateDir],
      ...['--log-format', 'json'],
    ]);
    expect(cli.code).toBe(2);
    expect(cliError(cli)).toMatchObject({ code: 'STATE_DIR_FOREIGN', message: expect.stringContaining('thesis.txt') });
    expect(readdirSync(stateDir)).toEqual(['thesis.txt']);
    expect(statSync(stateDir).mode & 0o777).toBe(0o755);
    await expect(dryRun({ config, input, stateDir, log: silentLog })).rejects.toMatchObject({
      code: 'STATE_DIR_FOREIGN',
    });
  });

  test.each([
    ['a summary.json', ['summary.json']],
    ['a report.html', ['report.html']],
    ['a file named lock', ['lock']],
    ["a journal.jsonl that is not this tool's", ['journal.jsonl']],
  ])(
    'a folder with only %s is not a state directory: refused, neither chmod-ed nor written into',
    async (_name, files) => {
      const { input, config } = job();
      const stateDir = join(dir(), 'someone-elses');
      mkdirSync(stateDir, { mode: 0o755 });
      chmodSync(stateDir, 0o755);
      for (const f of files) writeFileSync(join(stateDir, f), 'not ours\n');
      await expect(dryRun({ config, input, stateDir, log: silentLog })).rejects.toMatchObject({
        code: 'STATE_DIR_FOREIGN',
      });
      expect(readdirSync(stateDir).sort()).toEqual([...files].sort());
      for (const f of files) expect(readFileSync(join(stateDir, f), 'utf8')).toBe('not ours\n');
      expect(statSync(stateDir).mode & 0o777).toBe(0o755);
    },
  );

  test('a state directory this tool made is marked, and taken again; one of a version before the marker is known by its journal', async () => {
    const { input, config } = job();
    const stateDir = join(dir(), 'mine');
    await dryRun({ config, input, stateDir, log: silentLog });
    expect(readdirSync(stateDir)).toContain('.openphone-import');
    await expect(dryRun({ config, input, stateDir, log: silentLog })).resolves.toBeDefined();
    const legacy = join(dir(), 'legacy');
    mkdirSync(legacy, { mode: 0o700 });
    writeFileSync(
      join(legacy, 'journal.jsonl'),
      `${JSON.stringify({ t: 'header', format: 'openphone-import-journal', version: 1, mappingHash: 'x', baseUrl: 'x', createdAt: 'x' })}\n`,
    );
    await expect(dryRun({ config, input, stateDir: legacy, log: silentLog })).resolves.toBeDefined();
    expect(readdirSync(legacy)).toContain('.openphone-import');
  });

  test("the demo never clears another job's state directory, nor one a run holds", async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const { input, config } = job();
    const stateDir = join(dir(), 'real-job');
    await importJob({ config, input, stateDir, apiKey: sandbox.apiKey, baseUrl: sandbox.url, log: silentLog });
    const r = await runCli(['demo', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds another job's journal/);
    expect(existsSync(join(stateDir, 'journal.jsonl'))).toBe(true);
    const held = join(dir(), 'held');
    mkdirSync(held, { mode: 0o700 });
    writeFileSync(join(held, 'summary.json'), '{}');
    writeFileSync(
      join(held, 'lock'),
      JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), startedAt: 'now' }),
    );
    const locked = await runCli(['demo', '--state-dir', held]);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toMatch(/is in use by a run \(pid \d+/);
    expect(existsSync(join(held, 'lock'))).toBe(true);
  });
});

test('a dry run on the state directory of an import that is running does not disturb it', async () => {
  const sandbox = await startSandbox({ rate: 0, latencyMs: [30, 60] });
  const { input, config: configPath, file, stateDir, args } = cliJob(dir(), 120, { requestsPerSecond: 40 });
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args(sandbox.url)], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  while (!sandbox.requests().some((r) => r.method === 'POST')) await new Promise((r) => setTimeout(r, 10));
  const dry = await runCli(['run', '--dry-run', '-c', configPath, '-i', input, '--state-dir', stateDir]);
  expect(dry.code).toBe(1);
  expect(await exited).toBe(1);
  expect(sandbox.contacts()).toHaveLength(file.valid.length);
  expect(JSON.parse(readFileSync(join(stateDir, 'summary.json'), 'utf8')).mode).toBe('import');
  expect(JSON.parse(readFileSync(join(stateDir, 'dry-run', 'summary.json'), 'utf8')).mode).toBe('dry-run');
}, 60_000);

test('a nightly export under a new name, run without --state-dir beside the job that made its contacts: stopped before sending, both ways named; either --state-dir goes on', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const monday = join(dir(), 'contacts-monday.csv');
  const file = writeContactsFile(monday, 12);
  const config = join(dir(), 'import.json');
  writeFileSync(config, JSON.stringify(importConfig()));
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const run = (input: string, ...extra: string[]) =>
    runCli(['run', '-c', config, '-i', input, '--base-url', sandbox.url, ...extra], env);
  expect((await run(monday)).code).toBe(1);
  const mondayJob = join(dir(), 'contacts-monday.openphone-import');
  expect(existsSync(join(mondayJob, 'journal.jsonl'))).toBe(true);

  const tuesday = join(dir(), 'contacts-tuesday.csv');
  writeFileSync(tuesday, readFileSync(monday));
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  const before = posts();
  const refused = await run(tuesday);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/^error: .*contacts-tuesday\.openphone-import would start a new job/m);
  expect(refused.stderr).toContain(`add --state-dir ${mondayJob}`);
  expect(refused.stderr).toContain(`add --state-dir ${join(dir(), 'contacts-tuesday.openphone-import')}`);
  expect(posts()).toBe(before);
  // The dry run says the same, and its next command names no state directory for the person to choose.
  const preview = await run(tuesday, '--dry-run');
  expect(preview.stderr).toMatch(/the import would stop before sending: .*would start a new job/);
  expect(preview.stdout).toMatch(/next, import \(OPENPHONE_API_KEY set\): /);
  expect(preview.stdout).not.toMatch(/next, import .*--state-dir/);
  // Going on with Monday's job: every record is unchanged.
  const sameJob = await run(tuesday, '--state-dir', mondayJob);
  expect(sameJob.stdout).toMatch(new RegExp(`unchanged ${file.valid.length}`));
  expect(posts()).toBe(before);
});

test("a failure report copied out of its job, fixed and run without --state-dir: stopped before sending, the job that wrote it named; with its --state-dir the rows are that job's", async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const input = join(dir(), 'contacts.csv');
  // Line 15's e-mail is bad (contacts-file.ts), line 8's phone too.
  const file = writeContactsFile(input, 20);
  const config = join(dir(), 'import.json');
  writeFileSync(config, JSON.stringify(importConfig()));
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const run = (from: string, ...extra: string[]) =>
    runCli(['run', '-c', config, '-i', from, '--base-url', sandbox.url, ...extra], env);
  expect((await run(input)).code).toBe(1);
  const job = join(dir(), 'contacts.openphone-import');
  // Fixed on the desktop: the bad e-mails made good.
  mkdirSync(join(dir(), 'desktop'));
  const copy = join(dir(), 'desktop', 'failures-fixed.csv');
  writeFileSync(copy, readFileSync(join(job, 'failures.csv'), 'utf8').replace(/not-an-email/g, 'fixed@example.com'));
  const posts = () => sandbox.requests().filter((r) => r.method === 'POST').length;
  const before = posts();
  // Kept as failures.csv, the name the job's own report has, or saved under another: the same.
  const sameName = join(dir(), 'desktop', 'failures.csv');
  writeFileSync(sameName, readFileSync(copy));
  // Or opened in Excel and saved as a workbook (its "Save As" offers .xlsx first): digits become number cells.
  const workbook = join(dir(), 'desktop', 'failures.xlsx');
  const rows = parse(readFileSync(copy, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
  await writeWorkbook(workbook, { failures: rows.map((r) => r.map((v) => (/^\d{1,9}$/.test(v) ? Number(v) : v))) });
  for (const file of [copy, sameName, workbook]) {
    const refused = await run(file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: .*failures(-fixed)?\.(csv|xlsx) is a failure report of this tool/m);
    expect(refused.stderr).toContain(`add --state-dir ${job} (the job of ${input})`);
  }
  expect(posts()).toBe(before);
  expect(readdirSync(join(dir(), 'desktop'))).toEqual(['failures-fixed.csv', 'failures.csv', 'failures.xlsx']);
  const preview = await run(copy, '--dry-run');
  expect(preview.stderr).toMatch(/the import would stop before sending: .*is a failure report of this tool/);
  // In its job (as the message says), the fixed rows are made by the job that answers for them: the workbook too.
  const fixed = await run(workbook, '--state-dir', job);
  expect(fixed.stdout).toMatch(/created 1,/);
  expect(readFileSync(join(job, 'created.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + file.valid.length + 1);
});
