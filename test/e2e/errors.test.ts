import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBaseUrl } from '../../src/api/base-url.js';

import { runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { ROOT } from '../helpers/paths.js';
import { startSandboxProcess } from '../helpers/sandbox-process.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { warningLog } from '../helpers/warnings.js';

// Exit 70 is for bugs only: everything a user or the machine can cause has its own message and exit code.
const dir = useTempDir();
const startSandbox = sandboxesPerTest();

function expectUserError(r: { code: number | null; stderr: string }, code: number, message: RegExp) {
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(message);
}

describe('input that is not a file', () => {
  test('a folder', async () => {
    const { config, stateDir: state } = cliJob(dir(), 10);
    expectUserError(
      await runCli(['run', '--dry-run', '-c', config, '-i', dir(), '--state-dir', state]),
      2,
      /--input .*: found a folder: expected a file/,
    );
  });

  test('a pipe (a FIFO, or /dev/stdin fed by a pipe)', async () => {
    const { config, stateDir: state } = cliJob(dir(), 10);
    const fifo = join(dir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    expectUserError(
      await runCli(['run', '--dry-run', '-c', config, '-i', fifo, '--state-dir', state]),
      2,
      /found a pipe: expected a file \(the input is read again on every resume\)\nhint: save the data to a file first/,
    );
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'src', 'cli.js'), 'run', '--dry-run', '-c', config, '-i', '/dev/stdin', '--state-dir', state],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end('Record ID,First Name\n1,Ada\n');
    const code = await new Promise((r) => child.on('close', r));
    // node's stdio pipes are sockets on Linux; a shell's are FIFOs: either is refused.
    expectUserError({ code: code as number, stderr }, 2, /found a (pipe|socket)/);
  });
});

test('a sandbox port that is taken: exit 2 naming the port', async () => {
  const first = await startSandboxProcess([]);
  try {
    const port = new URL(first.url).port;
    expectUserError(
      await runCli(['sandbox', '--port', port]),
      2,
      new RegExp(`--port ${port}: 127\\.0\\.0\\.1:${port} is in use`),
    );
  } finally {
    await first.stop();
  }
});

test('a key with a line break inside: exit 2, the key in no output', async () => {
  const { input, config, stateDir: state } = cliJob(dir(), 10);
  const r = await runCli(['run', '-c', config, '-i', input, '--state-dir', state, '--base-url', 'http://127.0.0.1:9'], {
    OPENPHONE_API_KEY: 'sk-first-half\nsk-second-half',
  });
  expectUserError(r, 2, /OPENPHONE_API_KEY has a line break inside it \(character 14 of 28\)/);
  expect(r.stderr).not.toMatch(/sk-first-half|sk-second-half/);
});

test('a hand-edited journal line (valid JSON, not a journal event): exit 2 naming the line', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const { input, config, stateDir: state } = cliJob(dir(), 10);
  const args = ['run', '-c', config, '-i', input, '--state-dir', state, '--base-url', sandbox.url];
  expect((await runCli(args, { OPENPHONE_API_KEY: sandbox.apiKey })).code).toBe(1);
  appendFileSync(join(state, 'journal.jsonl'), '{"t":"created","note":"fixed by hand"}\n');
  expectUserError(
    await runCli(args, { OPENPHONE_API_KEY: sandbox.apiKey }),
    2,
    /journal\.jsonl:\d+: not a journal line/,
  );
});

test('--base-url without a scheme is a usage error; plain http to another machine is warned about', async () => {
  const { input, config, stateDir: state } = cliJob(dir(), 10);
  expectUserError(
    await runCli(['run', '-c', config, '-i', input, '--state-dir', state, '--base-url', 'api.openphone.com'], {
      OPENPHONE_API_KEY: 'k',
    }),
    2,
    /--base-url: found "api\.openphone\.com": expected a URL with its scheme/,
  );
  // The warning is checked without a request: no traffic may leave this machine.
  const { log, codes } = warningLog();
  expect(checkBaseUrl('http://127.0.0.1:4010', '--base-url', log)).toBe('http://127.0.0.1:4010');
  expect(checkBaseUrl('https://api.quo.com', '--base-url', log)).toBe('https://api.quo.com');
  expect(codes()).toEqual([]);
  checkBaseUrl('http://api.example.test', '--base-url', log);
  expect(codes()).toEqual(['PLAIN_HTTP']);
});
