import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invokedAs } from '../../src/cli/next-command.js';
import { shellQuote } from '../../src/util/shell-quote.js';
import { packageRoot } from '../../src/cli/paths.js';

import { runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { ROOT } from '../helpers/paths.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

/** Runs a line exactly as a user pastes it into a POSIX shell. */
function paste(
  line: string,
  env: Record<string, string>,
  cwd = ROOT,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const commandAfter = (stdout: string, label: RegExp) => {
  const line = stdout.split('\n').find((l) => label.test(l));
  if (line === undefined) throw new Error(`no line matching ${label} in:\n${stdout}`);
  return line.replace(label, '').trim();
};

test('the dry-run screen shows the problems by column with their fix and a preview; the next commands work as printed', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const { input, file, stateDir, args } = cliJob(dir(), 12, {}, 'my contacts.csv');
  // Two addresses in one email cell: the fix is a split.
  writeFileSync(
    input,
    readFileSync(input, 'utf8').replace(/\n(r1,[^,]*,[^,]*,[^,]*,)[^,]*,/, '\n$1"a@example.com; b@example.com",'),
  );
  const dry = await runCli(args(sandbox.url, '--dry-run'));
  expect(dry.code).toBe(1);
  expect(dry.stdout).toMatch(/by column, with the first example and its fix:/);
  expect(dry.stdout).toMatch(
    /EMAIL_INVALID in "Email": \d+ failed; e\.g\. line 3: found "a@example\.com; b@example\.com": .*add "split": ";" to defaultFields\.emails\[0\]/,
  );
  expect(dry.stdout).toMatch(/the first contacts as they will be sent:\n {4}line \d+: \S+/);

  // The import command, pasted as printed: quoted paths, the state directory and the base URL included.
  const importLine = commandAfter(dry.stdout, /^ {2}next, import \(OPENPHONE_API_KEY set\): /);
  expect(importLine).toContain(`'${input}'`);
  expect(importLine).toContain(`--base-url ${sandbox.url}`);
  const imported = await paste(importLine, { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(imported.code).toBe(1);

  // Fix the row in failures.csv, paste the printed rerun: it creates it, nothing twice.
  const rerunLine = commandAfter(imported.stdout, /^ {2}fix the rows in .*failures\.csv, then: /);
  const failures = join(stateDir, 'failures.csv');
  writeFileSync(failures, readFileSync(failures, 'utf8').replace('a@example.com; b@example.com', 'a@example.com'));
  const rerun = await paste(rerunLine, { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(rerun.stdout).toMatch(/created 1,/);
  expect(sandbox.stats().duplicateExternalIds).toBe(0);
  expect(sandbox.contacts().map((c) => c.externalId)).toContain('r1');
  expect(sandbox.contacts().length).toBe(file.valid.length + (file.valid.includes('r1') ? 0 : 1));
});

test('init\'s "next:" line is a command that runs as printed', async () => {
  const out = join(dir(), 'import.json');
  const init = await runCli(['init', '-i', join(ROOT, 'fixtures', 'exports', 'hubspot-us.csv'), '-o', out], {
    OPENPHONE_API_KEY: '',
  });
  const next = commandAfter(init.stdout, /^next: /);
  expect(next).toMatch(/^node dist\/src\/cli\.js run --config \S+ --input \S+hubspot-us\.csv --dry-run$/);
  const r = await paste(`${next} --state-dir ${shellQuote(join(dir(), 's'))}`, {});
  expect(r.code).toBe(0);
});

describe('how the program was started, as the user can type it again', () => {
  test.each([
    ['npx', join(ROOT, 'node_modules', '.bin', 'openphone-import'), { npm_command: 'exec' }, 'npx openphone-import'],
    ["a clone's node_modules/.bin", join(ROOT, 'node_modules', '.bin', 'openphone-import'), {}, 'npx openphone-import'],
    ['the file itself', join(packageRoot, 'dist', 'src', 'cli.js'), {}, 'node dist/src/cli.js'],
    [
      'an npm script of the clone (npm run demo)',
      join(packageRoot, 'dist', 'src', 'cli.js'),
      { npm_command: 'run' },
      'npx openphone-import',
    ],
    ['installed on the PATH', '/usr/local/bin/openphone-import', {}, 'openphone-import'],
  ])('%s', (_, argv1, env, expected) => {
    expect(invokedAs(argv1, env, packageRoot)).toBe(expected);
  });
  test('arguments are quoted for a POSIX shell only when they need it', () => {
    expect(shellQuote('/tmp/a.csv', 'linux')).toBe('/tmp/a.csv');
    expect(shellQuote("/tmp/it's here.csv", 'darwin')).toBe(`'/tmp/it'\\''s here.csv'`);
  });
  test("on Windows they are quoted for PowerShell, as the README's Windows quick start uses it", () => {
    expect(shellQuote('C:\\Users\\jo\\contacts.csv', 'win32')).toBe('C:\\Users\\jo\\contacts.csv');
    expect(shellQuote("C:\\Users\\Jo O'Neil\\My Contacts.csv", 'win32')).toBe(
      "'C:\\Users\\Jo O''Neil\\My Contacts.csv'",
    );
  });
});

test("every run writes a self-contained report.html whose numbers are summary.json's", async () => {
  const { parseFaultSpec } = await import('../../src/sandbox/faults.js');
  const sandbox = await startSandbox({ rate: 0, faults: parseFaultSpec('post:429=#3,post:500=#5') });
  const { input, config, stateDir, args } = cliJob(dir(), 40);
  const first = await runCli(args(sandbox.url, '--max-rows', '10'), { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(first.code).toBe(4);
  const r = await runCli(args(sandbox.url), { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(r.stdout).toContain(`report to open in a browser: ${join(stateDir, 'report.html')}`);
  const html = readFileSync(join(stateDir, 'report.html'), 'utf8');
  const summary = JSON.parse(readFileSync(join(stateDir, 'summary.json'), 'utf8')) as {
    counts: Record<string, number>;
    problemGroups: { code: string; count: number }[];
    requests: Record<string, number>;
    exitCode: number;
  };
  // Nothing fetched, nothing run.
  expect(html).not.toMatch(/<script|<link|<img|src=|url\(|https?:\/\/(?!127\.0\.0\.1)/i);
  const counts = Object.fromEntries([...html.matchAll(/data-bucket="(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
  expect(counts).toEqual(Object.fromEntries(Object.entries(summary.counts).filter(([k, v]) => k === 'read' || v > 0)));
  const problems = [...html.matchAll(/data-problem="(\w+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]);
  expect(problems).toEqual(summary.problemGroups.map((g) => [g.code, g.count]));
  expect(Number(/data-requests="rateLimited">(\d+)</.exec(html)![1])).toBe(summary.requests.rateLimited);
  expect(Number(/data-requests="retries">(\d+)</.exec(html)![1])).toBe(summary.requests.retries);
  expect(Number(/data-exit-code="(\d+)"/.exec(html)![1])).toBe(summary.exitCode);
  // The job's runs: the one stopped by --max-rows, then this one. A run of a second has no rate or chart worth showing.
  expect(html).toMatch(/<h2 id="runs">The job's runs<\/h2>.*<table>.*<td>4<\/td>.*<td>1<\/td>/s);
  expect(html).not.toContain('<svg');
  // For the person who asked for the migration: plain labels, what to do next in words and as the command, a page that prints.
  expect(html).toContain('<th>created in OpenPhone</th><td data-bucket="created">');
  expect(html).toMatch(
    /<h2>What to do next<\/h2><ul><li>5 row\(s\) need a fix: <a href="failures\.csv">failures\.csv<\/a> lists each/,
  );
  expect(html).toContain(
    `<pre>${r.stdout
      .split('\n')
      .find((l) => l.includes('fix the rows in'))!
      .replace(/^.*?, then: /, '')}</pre>`,
  );
  expect(html).toContain('@media print');

  // A dry run writes its own, beside its reports.
  const dry = await runCli(['run', '-c', config, '-i', input, '--state-dir', stateDir, '--dry-run']);
  expect(dry.stdout).toContain(join(stateDir, 'dry-run', 'report.html'));
  expect(readFileSync(join(stateDir, 'dry-run', 'report.html'), 'utf8')).toMatch(/<h1>Dry run of/);
});

test('fixing the rows a dry run found, as its hint says: the fixed file is checked without being written over, and its import hint imports the fixed rows', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const { input, config, stateDir, args } = cliJob(dir(), 12, {}, 'export.csv');
  writeFileSync(
    input,
    readFileSync(input, 'utf8').replace(/\n(r1,[^,]*,[^,]*,[^,]*,)[^,]*,/, '\n$1"a@example.com; b@example.com",'),
  );
  const dry = await runCli(args(sandbox.url, '--dry-run'));
  const checkLine = commandAfter(dry.stdout, /^ {2}fix the rows in .*failures\.csv, then check them: /);
  const fixed = join(stateDir, 'dry-run', 'failures.csv');
  expect(checkLine).toContain(fixed);
  // The person fixes the two-address cell (the other bad rows stay bad) and runs the printed check.
  writeFileSync(fixed, readFileSync(fixed, 'utf8').replace('a@example.com; b@example.com', 'a@example.com'));
  const edited = readFileSync(fixed, 'utf8');
  const check = await paste(checkLine, {});
  expect(check.code).toBe(1);
  // The fixed file is as the person left it; the check's reports went to a folder of their own.
  expect(readFileSync(fixed, 'utf8')).toBe(edited);
  expect(check.stdout).toMatch(/reports: .*dry-run\/check-1\//);
  // Its import hint imports the fixed rows: the fixed one is created.
  const importLine = commandAfter(
    check.stdout,
    /^ {2}next, import these rows \(after the rest of the export\) \(OPENPHONE_API_KEY set\): /,
  );
  expect(importLine).toContain(fixed);
  const imported = await paste(importLine, { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(imported.stdout).toMatch(/created 1,/);
  expect(
    sandbox
      .contactsByExternalId()
      .get('r1')![0]!
      .defaultFields.emails.map((e) => e.value),
  ).toEqual(['a@example.com']);
  // A second check of the same file goes to check-2 when run from check-1's own failures.csv, never over its input.
  const again = await runCli([
    'run',
    '-c',
    config,
    '-i',
    join(stateDir, 'dry-run', 'check-1', 'failures.csv'),
    '--state-dir',
    stateDir,
    '--dry-run',
  ]);
  expect(again.stdout).toMatch(/reports: .*dry-run\/check-2\//);
});

test("a record for review: the printed next step names review.csv's decisions, and the line runs as printed", async () => {
  // An app contact under another name holds r0's number: the job may not take it on its own.
  const frontDesk = {
    defaultFields: { firstName: 'Front Desk', phoneNumbers: [{ name: 'work', value: '+14152000000' }] },
  };
  const sandbox = await startSandbox({ rate: 0, existing: [{ ...frontDesk, source: 'csv-v2' }] });
  const { args, stateDir } = cliJob(dir(), 6);
  const first = await runCli(args(sandbox.url, '--match-existing', 'phone,email'), {
    OPENPHONE_API_KEY: sandbox.apiKey,
  });
  expect(first.code).toBe(1);
  const decideLine = commandAfter(
    first.stdout,
    /^ {2}decide each row of .*review\.csv \(its decision column: adopt CONTACT_ID, create or skip\), then: /,
  );
  const review = join(stateDir, 'review.csv');
  expect(decideLine).toContain(review);
  // The person decides r0 is a person of its own.
  const rows = readFileSync(review, 'utf8').trimEnd().split('\n');
  expect(rows[1]).toMatch(/^\d+,r0,.*,$/);
  writeFileSync(review, `${[rows[0], `${rows[1]}create`].join('\n')}\n`);
  // Its dry run, as a person checks before: the decision previewed, nothing sent, without --state-dir (the file's job).
  const check = await runCli(
    ['run', '-c', join(dir(), 'config.json'), '-i', review, '--base-url', sandbox.url, '--dry-run'],
    {
      OPENPHONE_API_KEY: sandbox.apiKey,
    },
  );
  expect(check.stdout).toMatch(/would create 1,/);
  expect(check.stdout).toMatch(/next, import \(OPENPHONE_API_KEY set\): .*review\.csv/);
  expect(sandbox.contactsByExternalId().has('r0')).toBe(false);
  const decided = await paste(decideLine, { OPENPHONE_API_KEY: sandbox.apiKey });
  expect(decided.stdout).toMatch(/created 1,/);
  expect(sandbox.contactsByExternalId().get('r0')).toHaveLength(1);
  expect(sandbox.contacts().filter((c) => c.defaultFields.firstName === 'Front Desk')).toHaveLength(1);
});
