import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { useTempDir } from '../helpers/temp-dir.js';

// `npx openphone-import` (npm's bin link) runs dist/src/cli.js through its
// first line; cron containers often have BusyBox, whose `env` has no -S. Both
// must start the program exactly as `node dist/src/cli.js` does.
const dir = useTempDir();
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
// node on the PATH, as a shell started by cron would find it.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

function execute(file: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** What the kernel does with a `#!` line: the interpreter, then everything after it as ONE argument. */
function interpreterOf(file: string): { path: string; argument?: string } {
  const line = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  expect(line.startsWith('#!')).toBe(true);
  const rest = line.slice(2).trim();
  const space = rest.search(/\s/);
  return space < 0 ? { path: rest } : { path: rest.slice(0, space), argument: rest.slice(space).trim() };
}

test('an env without -S (BusyBox) runs the first line: node, with nothing else in its one argument', async () => {
  const { path, argument } = interpreterOf(CLI);
  expect(path).toBe('/usr/bin/env');
  // BusyBox env: options it does not know are refused; the program named by its
  // first argument is run as is (an argument "-S node --flag" or "node --flag" fails).
  const busyboxEnv = join(dir(), 'env');
  writeFileSync(
    busyboxEnv,
    '#!/bin/sh\ncase "$1" in -*) echo "env: unrecognized option: $1" >&2; exit 125;; esac\nexec "$@"\n',
    { mode: 0o755 },
  );
  const viaEnv = await execute(busyboxEnv, [...(argument === undefined ? [] : [argument]), CLI, '--version']);
  const direct = await runCli(['--version']);
  expect(viaEnv).toEqual({ code: 0, stdout: direct.stdout, stderr: '' });
});

test("through a bin link as npm makes one, a dry run is the same as node dist/src/cli.js's", async () => {
  // npm makes the bin target executable when it installs the package; tsc does not.
  chmodSync(CLI, 0o755);
  const link = join(dir(), 'openphone-import');
  symlinkSync(CLI, link);
  const args = (stateDir: string) => [
    'run',
    '--config',
    fixture('demo.config.json'),
    '--input',
    fixture('demo.csv'),
    '--dry-run',
    '--state-dir',
    join(dir(), stateDir),
  ];
  const viaLink = await execute(link, args('link'));
  const direct = await runCli(args('direct'));
  expect(viaLink.code).toBe(direct.code);
  expect(viaLink.stderr).toBe(direct.stderr);
  const summary = (stateDir: string) =>
    JSON.parse(readFileSync(join(dir(), stateDir, 'dry-run', 'summary.json'), 'utf8')) as {
      counts: Record<string, number>;
    };
  expect(summary('link').counts).toEqual(summary('direct').counts);
  expect(summary('link').counts.read).toBeGreaterThan(0);
  const payloads = (stateDir: string) => readFileSync(join(dir(), stateDir, 'dry-run', 'payloads.jsonl'), 'utf8');
  expect(payloads('link')).toBe(payloads('direct'));
});
