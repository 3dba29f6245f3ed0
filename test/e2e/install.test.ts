import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/paths.js';
import { importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';

/**
 * The README's "Install on a server" and "Scheduling", as a new user follows
 * them: the packed package installed into an empty prefix, then the command
 * run from another folder, and the cron line and the systemd unit's command
 * run as the README writes them, with the sandbox as the API.
 */

const run = promisify(execFile);
const startSandbox = sandboxesPerTest();
let work = '';
let bin = '';

/** The environment of a fresh login: the installed command on the PATH, no npm variables (they would say "npx"). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'OPENPHONE_API_KEY'),
  );
  return { ...env, PATH: `${join(work, 'prefix', 'bin')}:${process.env.PATH ?? ''}`, ...extra };
}

/** Runs a command line through sh, as cron does; resolves with its exit code and output. */
function sh(
  line: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'opi-install-'));
  // npm test built dist/ already (the global setup refuses a stale one): pack it as it is.
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  const install = await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      join(work, 'prefix'),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, tarball),
    ],
    { cwd: work, env: cleanEnv() },
  );
  // The built files ship in the package: nothing to run at install, so npm has no install script to warn about.
  expect(`${install.stdout}${install.stderr}`).not.toMatch(/install-scripts|prepare/);
  bin = join(work, 'prefix', 'bin', 'openphone-import');
}, 240_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

test('the installed command runs from any folder: --version, a dry run, and the demo, whose last line names the installed command', async () => {
  const elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere);
  const version = await run(bin, ['--version'], { cwd: elsewhere, env: cleanEnv() });
  expect(version.stdout.trim()).toBe(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  );
  writeFileSync(join(elsewhere, 'import.json'), JSON.stringify(importConfig()));
  writeContactsFile(join(elsewhere, 'contacts.csv'), 20);
  const dry = await sh(
    'openphone-import run --config import.json --input contacts.csv --dry-run',
    cleanEnv(),
    elsewhere,
  );
  expect(dry.code).toBe(1);
  expect(dry.stdout).toMatch(/would create \d+/);
  expect(dry.stdout).toMatch(/next, import \(OPENPHONE_API_KEY set\): openphone-import run --config import\.json/);
  const demo = await sh('openphone-import demo', cleanEnv(), elsewhere);
  expect(demo.code).toBe(0);
  expect(demo.stdout.trim().split('\n').at(-1)).toBe(
    'next, your own export: openphone-import init --input your-export.csv --out import.json',
  );
  expect(readdirSync(join(elsewhere, 'demo.openphone-import'))).toContain('report.html');
}, 120_000);

/** The README's fenced block of this language that contains `marker`. */
function readmeBlock(lang: string, marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes(marker));
  if (block === undefined) throw new Error(`README.md has no \`\`\`${lang} block with ${marker}`);
  return block;
}

/** The README's paths, moved into this test's folder; the command into the test's prefix. */
const moved = (text: string) =>
  text
    .replaceAll('/usr/local/bin/openphone-import', bin)
    .replaceAll('/usr/local/bin', join(work, 'prefix', 'bin'))
    .replaceAll('/etc/openphone-import.env', join(work, 'etc', 'openphone-import.env'))
    .replaceAll('/srv/', `${join(work, 'srv')}/`);

describe("the README's schedules run as written", () => {
  let apiKey = '';
  beforeEach(async () => {
    const sandbox = await startSandbox({ rate: 0 });
    apiKey = sandbox.apiKey;
    rmSync(join(work, 'srv'), { recursive: true, force: true });
    mkdirSync(join(work, 'srv', 'migration'), { recursive: true });
    mkdirSync(join(work, 'srv', 'exports'));
    mkdirSync(join(work, 'etc'), { recursive: true });
    // The config a user wrote with init, with the sandbox as its API; the env file as the README shows it, with the key.
    writeFileSync(
      join(work, 'srv', 'migration', 'import.json'),
      JSON.stringify({ ...importConfig(), api: { ...importConfig().api, baseUrl: sandbox.url } }),
    );
    writeFileSync(
      join(work, 'etc', 'openphone-import.env'),
      readmeBlock('sh', 'OPENPHONE_API_KEY=your-key').replace('your-key', apiKey),
      { mode: 0o600 },
    );
  });

  test('the cron line: with the key from the env file, an export of good rows imports in silence (cron mails nothing); a bad row is mailed', async () => {
    const crontab = moved(readmeBlock('cron', 'openphone-import run'));
    const vars = Object.fromEntries(
      crontab
        .split('\n')
        .filter((l) => /^[A-Z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const job = crontab.split('\n').find((l) => /^[\d*]/.test(l))!;
    const command = job.split(/\s+/).slice(5).join(' ');
    // cron's environment: its own PATH (the crontab's), a home and a shell, nothing of ours.
    const env = {
      HOME: work,
      SHELL: '/bin/sh',
      LOGNAME: 'migration',
      ...vars,
      PATH: `${vars.PATH}:${process.env.PATH}`,
    };
    const file = writeContactsFile(join(work, 'srv', 'exports', 'contacts.csv'), 12);
    const first = await sh(command, env, work);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/failed \d+/);
    // The export fixed: only the good rows. A night that ends well prints nothing.
    const rows = readFileSync(join(work, 'srv', 'exports', 'contacts.csv'), 'utf8').split('\n');
    writeFileSync(
      join(work, 'srv', 'exports', 'contacts.csv'),
      [rows[0], ...rows.slice(1).filter((r) => file.valid.includes(r.split(',')[0]!))].join('\n'),
    );
    const second = await sh(command, env, work);
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(crontab).not.toContain(apiKey);
  }, 60_000);

  test('the systemd unit: its ExecStart with its EnvironmentFile, exit in SuccessExitStatus', async () => {
    const unit = moved(readmeBlock('ini', 'ExecStart='));
    const setting = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(unit)![1]!;
    const envFile = Object.fromEntries(
      readFileSync(setting('EnvironmentFile'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('='))].map((v, i) => (i === 1 ? v.slice(1) : v))),
    );
    const export_ = join(work, 'srv', 'exports', 'contacts.csv');
    const file = writeContactsFile(export_, 12);
    const rows = readFileSync(export_, 'utf8').split('\n');
    writeFileSync(
      export_,
      [rows[0], ...rows.slice(1).filter((row) => file.valid.includes(row.split(',')[0]!))].join('\n'),
    );
    const [exe, ...argv] = setting('ExecStart').split(' ');
    const r = await new Promise<number | null>((resolve) =>
      spawn(exe!, argv, { env: { PATH: process.env.PATH ?? '', ...envFile }, stdio: 'ignore' }).on('close', resolve),
    );
    expect([0, ...setting('SuccessExitStatus').split(' ').map(Number)]).toContain(r);
    expect(readdirSync(join(work, 'srv', 'migration', 'state'))).toContain('journal.jsonl');
    expect(unit).toMatch(/^OnCalendar=/m);
  }, 60_000);
});
