import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { replayJournal } from '../../src/journal/replay.js';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { type Sandbox } from '../../src/sandbox/server.js';
import { seededRandom } from '../../src/sandbox/random.js';
import { cliError, runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { ROOT } from '../helpers/paths.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

/**
 * Starts the CLI and SIGKILLs it `killAfterMs` after it has sent its first
 * create: a random moment of the import itself, however slow the machine is
 * to start Node. Resolves with its exit code (null when killed).
 */
function runAndKill(
  args: string[],
  env: Record<string, string>,
  sandbox: Sandbox,
  killAfterMs: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    const postsBefore = sandbox.requests().filter((r) => r.method === 'POST').length;
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (timer === undefined && sandbox.requests().filter((r) => r.method === 'POST').length > postsBefore) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    }, 5);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve(code);
    });
  });
}

// With the live rule (409) and without it ('off': only the journal and lookups stand between a resend and a duplicate).
test.each(['409', 'off'] as const)(
  'uniqueExternalId %s: kill -9 at 12 random moments, each followed by a resume: every valid record exactly once, the journal reads',
  async (uniqueExternalId) => {
    const sandbox = await startSandbox({
      rate: 0,
      latencyMs: [5, 25],
      seed: 5,
      uniqueExternalId,
      faults: parseFaultSpec('post:drop=0.03,post:500=0.03,post:reset=0.02'),
    });
    // A short timeout: a resume waits twice that before it looks up what a kill left in doubt.
    const {
      stateDir,
      file,
      args: argsFor,
    } = cliJob(dir(), 1200, { requestsPerSecond: 100, concurrency: 12, timeoutMs: 500 });
    const args = argsFor(sandbox.url);
    const env = { OPENPHONE_API_KEY: sandbox.apiKey };
    const random = seededRandom(99);
    let killed = 0;
    for (let i = 0; i < 12; i++) {
      const code = await runAndKill(args, env, sandbox, Math.floor(random() * 500));
      if (code === null) killed++;
      else break; // finished before the kill: nothing left to interrupt
    }
    expect(killed).toBeGreaterThanOrEqual(10);
    const created = sandbox.contacts().length;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(file.valid.length);

    const final = await runCli(args, env);
    expect(final.stderr).not.toMatch(/internal error/);
    expect(final.code).toBe(1); // the file has invalid records on purpose
    const byId = sandbox.contactsByExternalId();
    expect(sandbox.stats().duplicateExternalIds).toBe(0);
    expect([...byId.keys()].sort()).toEqual([...file.valid].sort());
    const state = await replayJournal(join(stateDir, 'journal.jsonl'));
    expect(state.done.size).toBe(file.valid.length);
    expect(state.inDoubt.size).toBe(0);
    expect(final.stdout).toMatch(
      new RegExp(
        `created \\d+, unchanged \\d+, duplicate ${file.duplicateLines.length}, failed ${file.invalidLines.length}`,
      ),
    );
    // Creates cut by a kill were settled by lookup and proven the job's: every contact is counted as made by it.
    expect(state.done.countByRelation()).toEqual({ created: file.valid.length, existing: 0, updated: 0, adopted: 0 });
  },
  180_000,
);

test("a rerun right after a kill, while the server is still storing the killed run's creates: no contact twice, even without the uniqueness rule", async () => {
  // Creates take 2.5 s on the server; the run is killed 0.8 s after its first create left; the rerun starts at once.
  const sandbox = await startSandbox({ rate: 0, uniqueExternalId: 'off', createDelayMs: 2500 });
  const {
    stateDir,
    file,
    args: argsFor,
  } = cliJob(dir(), 30, { requestsPerSecond: 100, concurrency: 8, timeoutMs: 3000 });
  const args = argsFor(sandbox.url);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  expect(await runAndKill(args, env, sandbox, 800)).toBeNull();
  const inDoubt = (await replayJournal(join(stateDir, 'journal.jsonl'), { repair: false })).inDoubt.size;
  expect(inDoubt).toBeGreaterThan(0);
  const rerun = await runCli(args, env);
  expect(rerun.stderr).not.toMatch(/internal error/);
  expect(rerun.code).toBe(1);
  expect(sandbox.stats().duplicateExternalIds).toBe(0);
  expect([...sandbox.contactsByExternalId().keys()].sort()).toEqual([...file.valid].sort());
}, 120_000);

test('a stop during start-up (a slow workspace check) is honoured: exit 4, nothing sent', async () => {
  const sandbox = await startSandbox({ rate: 0, latencyMs: [1500, 1500] });
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...cliJob(dir(), 40).args(sandbox.url)], {
    env: { ...process.env, OPENPHONE_API_KEY: sandbox.apiKey },
    stdio: 'ignore',
  });
  // The workspace check has reached the server and waits for its answer.
  while (sandbox.requests().length === 0) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  expect(code).toBe(4);
  expect(sandbox.requests().filter((r) => r.method === 'POST')).toHaveLength(0);
  expect(sandbox.contacts()).toHaveLength(0);
});

describe('the CLI and the API key', () => {
  test('a real run without OPENPHONE_API_KEY refuses to start (exit 2), sending nothing', async () => {
    const r = await runCli([...cliJob(dir(), 5).args('http://127.0.0.1:9'), '--log-format', 'json'], {
      OPENPHONE_API_KEY: '',
    });
    expect(r.code).toBe(2);
    expect(cliError(r)).toMatchObject({ code: 'API_KEY_MISSING', hint: expect.stringContaining('OPENPHONE_API_KEY') });
  });

  test('a rejected key: exit 3, and the key is in no output line', async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const key = 'sk-SECRET-abcdef123456';
    const r = await runCli(cliJob(dir(), 5).args(sandbox.url), { OPENPHONE_API_KEY: key });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/401/);
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  test('a second run on the same state directory while one holds the lock: exit 3', async () => {
    const sandbox = await startSandbox({ rate: 0, latencyMs: [200, 200] });
    const args = cliJob(dir(), 200, { requestsPerSecond: 20 }).args(sandbox.url);
    const first = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, OPENPHONE_API_KEY: sandbox.apiKey },
      stdio: 'ignore',
    });
    // Wait until the first run has sent something: then it holds the lock.
    while (sandbox.requests().length === 0) await new Promise((r) => setTimeout(r, 50));
    const second = await runCli([...args, '--log-format', 'json'], { OPENPHONE_API_KEY: sandbox.apiKey });
    first.kill('SIGTERM');
    const firstCode = await new Promise((r) => first.on('exit', r));
    expect(second.code).toBe(3);
    expect(cliError(second)).toMatchObject({ code: 'LOCK_HELD', message: expect.stringContaining(`pid ${first.pid}`) });
    expect(firstCode).toBe(4);
  });
});
