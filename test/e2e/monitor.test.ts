import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { lastSuccessIn } from '../../src/monitor/metrics.js';
import { runCli } from '../helpers/cli.js';
import { cliJob } from '../helpers/contacts-file.js';
import { sandboxesPerTest } from '../helpers/sandbox.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
const startSandbox = sandboxesPerTest();

interface Received {
  readonly path: string;
  readonly body: string;
}

/** A local monitor: records each POST; `status` is what it answers. */
async function monitor(status = 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let monitors: Awaited<ReturnType<typeof monitor>>[] = [];
afterEach(async () => {
  await Promise.all(monitors.map((m) => m.close()));
  monitors = [];
});
const startMonitor = async (status?: number) => {
  const m = await monitor(status);
  monitors.push(m);
  return m;
};

test('--ping-url: URL/start when the run starts, then URL for exit 0 and 4 with progress, URL/fail for exit 1 and 3, the summary as the body', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const ping = await startMonitor();
  const j = cliJob(dir(), 30);
  const pings = async (args: string[], key = sandbox.apiKey) => {
    ping.received.length = 0;
    const r = await runCli([...args, '--ping-url', `${ping.url}/abc-123`], { OPENPHONE_API_KEY: key });
    return { code: r.code, paths: ping.received.map((p) => p.path), last: ping.received.at(-1)?.body ?? '' };
  };
  const stopped = await pings(j.args(sandbox.url, '--max-rows', '5'));
  expect(stopped).toMatchObject({ code: 4, paths: ['/abc-123/start', '/abc-123'] });
  expect(stopped.last).toMatch(/ended with exit 4 \(stopped early on purpose/);
  const failed = await pings(j.args(sandbox.url));
  expect(failed).toMatchObject({ code: 1, paths: ['/abc-123/start', '/abc-123/fail'] });
  expect(failed.last).toMatch(/failed \d+/);
  const refused = await pings(
    ['run', '-c', j.config, '-i', j.input, '--state-dir', join(dir(), 'other'), '--base-url', sandbox.url],
    'not-the-key',
  );
  expect(refused).toMatchObject({ code: 3, paths: ['/abc-123/start', '/abc-123/fail'] });
  expect(refused.last).toMatch(/ABORTED: the API rejected the API key/);
  expect(refused.last).not.toContain('not-the-key');
  // Only the good rows, all done already: exit 0.
  const clean = join(dir(), 'clean.csv');
  const rows = readFileSync(j.input, 'utf8').split('\n');
  writeFileSync(clean, [rows[0], ...rows.slice(1).filter((r) => j.file.valid.includes(r.split(',')[0]!))].join('\n'));
  const ok = await pings(['run', '-c', j.config, '-i', clean, '--state-dir', j.stateDir, '--base-url', sandbox.url]);
  expect(ok).toMatchObject({ code: 0, paths: ['/abc-123/start', '/abc-123'] });
  // A config that does not load is trouble too: the monitor hears of it.
  const broken = await pings(['run', '-c', join(dir(), 'no-such.json'), '-i', clean]);
  expect(broken).toMatchObject({ code: 2, paths: ['/abc-123/start', '/abc-123/fail'] });
  expect(broken.last).toMatch(/ended with exit 2 \(a usage or config error[^\n]*\nerror: .*no-such\.json/);
}, 60_000);

test('--notify posts the outcome as JSON with a text for chat, only on trouble by default; a failed post is a warning and leaves the exit code alone', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const hook = await startMonitor();
  const j = cliJob(dir(), 30);
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const r = await runCli(j.args(sandbox.url, '--notify', `${hook.url}/hooks/T000/secret`, '--quiet'), env);
  expect(r.code).toBe(1);
  expect(hook.received).toHaveLength(1);
  const posted = JSON.parse(hook.received[0]!.body) as Record<string, unknown>;
  const summary = JSON.parse(readFileSync(join(j.stateDir, 'summary.json'), 'utf8')) as {
    counts: Record<string, number>;
  };
  expect(posted).toMatchObject({
    event: 'openphone-import.run',
    exitCode: 1,
    exitMeaning: expect.stringMatching(/^finished; some records failed/),
    endedWell: false,
    mode: 'import',
    counts: summary.counts,
    report: expect.stringMatching(/report\.html$/),
  });
  expect(posted.text).toMatch(/^openphone-import on \S+: import of \S+contacts\.csv ended with exit 1/);
  expect(posted.next).toEqual([expect.stringMatching(/fix the rows in .*failures\.csv/)]);
  expect(JSON.stringify(posted)).not.toContain(sandbox.apiKey);

  // A run stopped before it moved a record is trouble; a run that ended well is not news, unless --notify-on always.
  hook.received.length = 0;
  const stopped = await runCli(j.args(sandbox.url, '--max-rows', '0', '--notify', hook.url), env);
  expect(stopped.code).toBe(4);
  mkdirSync(join(dir(), 'clean'));
  const clean = cliJob(join(dir(), 'clean'), 0);
  expect((await runCli(clean.args(sandbox.url, '--notify', hook.url), env)).code).toBe(0);
  expect(hook.received.map((p) => JSON.parse(p.body)).map((p) => [p.exitCode, p.endedWell])).toEqual([[4, false]]);
  expect((await runCli(clean.args(sandbox.url, '--notify', hook.url, '--notify-on', 'always'), env)).code).toBe(0);
  expect(JSON.parse(hook.received.at(-1)!.body)).toMatchObject({ exitCode: 0, endedWell: true });

  // A monitor that answers 500, or none at all: a warning naming only the origin (the path holds the webhook's secret); the exit stands.
  const down = await startMonitor(500);
  const failedPost = await runCli(
    clean.args(
      sandbox.url,
      '--notify',
      `${down.url}/hooks/T000/secret`,
      '--notify-on',
      'always',
      '--log-format',
      'json',
    ),
    env,
  );
  expect(failedPost.code).toBe(0);
  const warning = failedPost.stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l))
    .find((e) => e.code === 'NOTIFY_FAILED');
  expect(warning.message).toMatch(/could not post to http:\/\/127\.0\.0\.1:\d+\/… \(the server answered 500\)/);
  expect(failedPost.stderr).not.toContain('secret');
  const nobody = await runCli(
    clean.args(sandbox.url, '--notify', 'http://127.0.0.1:9/hook', '--notify-on', 'always'),
    env,
  );
  expect(nobody.code).toBe(0);
  expect(nobody.stderr).toMatch(/warning: --notify: could not post to http:\/\/127\.0\.0\.1:9\/… \(ECONNREFUSED\)/);
  const bad = await runCli(clean.args(sandbox.url, '--notify', 'hooks.example/x'), env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--notify: found "hooks.example\/x": expected an http:\/\/ or https:\/\/ URL/);
}, 60_000);

test('--metrics-file: the Prometheus text a textfile collector reads, replaced whole by each run; the last success survives a failed run', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const j = cliJob(dir(), 0);
  const metrics = join(dir(), 'openphone.prom');
  expect(
    (await runCli(j.args(sandbox.url, '--metrics-file', metrics), { OPENPHONE_API_KEY: sandbox.apiKey })).code,
  ).toBe(0);
  const first = readFileSync(metrics, 'utf8');
  expect(first).toMatch(/^openphone_import_exit_code\{state_dir="[^"]+"\} 0$/m);
  expect(first).toMatch(/^openphone_import_records\{state_dir="[^"]+",bucket="created"\} \d+$/m);
  expect(first).toMatch(/^openphone_import_requests\{state_dir="[^"]+",kind="rateLimited"\} 0$/m);
  const success = lastSuccessIn(first);
  expect(success).toBeGreaterThan(0);
  const refused = [
    'run',
    '-c',
    j.config,
    '-i',
    j.input,
    '--state-dir',
    join(dir(), 'other'),
    '--base-url',
    sandbox.url,
    '--metrics-file',
    metrics,
  ];
  expect((await runCli(refused, { OPENPHONE_API_KEY: 'not-the-key' })).code).toBe(3);
  const second = readFileSync(metrics, 'utf8');
  expect(second).toMatch(/^openphone_import_exit_code\{state_dir="[^"]*"\} 3$/m);
  expect(lastSuccessIn(second)).toBe(success);
  expect(existsSync(`${metrics}.tmp`)).toBe(false);
}, 60_000);

test('--notify of a run that ended well but warned says what it warned of: its warnings with their codes, in the JSON and the text', async () => {
  const sandbox = await startSandbox({ rate: 0 });
  const hook = await startMonitor();
  const j = cliJob(dir(), 12);
  const clean = join(dir(), 'clean.csv');
  const rows = readFileSync(j.input, 'utf8').split('\n');
  writeFileSync(clean, [rows[0], ...rows.slice(1).filter((r) => j.file.valid.includes(r.split(',')[0]!))].join('\n'));
  const env = { OPENPHONE_API_KEY: sandbox.apiKey };
  const run = (stateDir: string, ...extra: string[]) =>
    runCli(
      ['run', '-c', j.config, '-i', clean, '--state-dir', join(dir(), stateDir), '--base-url', sandbox.url, ...extra],
      env,
    );
  expect((await run('first', '--notify', hook.url)).code).toBe(0);
  expect(hook.received).toHaveLength(0);
  // The same export run again with another state directory: the first job's contacts, left alone and warned of.
  expect((await run('second', '--notify', hook.url, '--quiet')).code).toBe(0);
  expect(hook.received).toHaveLength(1);
  const posted = JSON.parse(hook.received[0]!.body) as { warned: boolean; warnings: { code: string }[]; text: string };
  expect(posted.warned).toBe(true);
  expect(posted.warnings.map((w) => w.code)).toEqual(['CONTACTS_OF_ANOTHER_JOB']);
  expect(posted.text).toMatch(/ended with exit 0 [^\n]*\nwarning \[CONTACTS_OF_ANOTHER_JOB\]: line \d+: contact /);
});
