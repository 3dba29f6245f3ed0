#!/usr/bin/env node
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { apiKeyFrom } from './api/api-key.js';
import { checkBaseUrl } from './api/base-url.js';
import { loadConfig } from './config/load.js';
import { ExitCode, ImportError, UsageError } from './errors.js';
import { jsonLog, stderrLog } from './log.js';
import { progressPrinter } from './report/progress.js';
import { formatSummary } from './report/summary.js';
import { dryRun } from './run-job.js';
import { sandboxOptionsFromCli } from './sandbox/cli-options.js';
import { defaultStateDir } from './state-dir.js';
import { parseDuration } from './util/duration.js';

/**
 * The only module that touches argv, stdout and process.exit. Each command's
 * own modules are imported when it runs: a dry run does not load the HTTP
 * client or the sandbox (10 MB less at its peak). Everything below
 * it throws ImportError (a user's problem, with its exit code) or anything else
 * (a bug in this program, exit 70 with the stack).
 */

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_CONFIG = join(packageRoot, 'fixtures', 'demo.config.json');
export const DEMO_INPUT = join(packageRoot, 'fixtures', 'demo.csv');

interface RunArgs {
  config: string;
  input: string;
  stateDir?: string;
  dryRun: boolean;
  baseUrl?: string;
  maxRows?: number;
  maxDuration?: string;
  apiKey?: string;
  quiet?: boolean;
  logFormat?: 'text' | 'json';
  progressInterval?: string;
  onExisting?: 'skip' | 'update';
  sameWorkspace?: boolean;
}

async function runCommand(args: RunArgs): Promise<number> {
  const config = loadConfig(args.config);
  const stateDir = args.stateDir ?? defaultStateDir(args.input);
  if (args.dryRun) {
    const summary = await dryRun({ config, input: args.input, stateDir, log: stderrLog });
    process.stdout.write(`${formatSummary(summary)}\n  reports: ${summary.reportDir ?? stateDir}/\n`);
    return summary.exitCode;
  }
  // The key comes from the environment only: argv shows in `ps` and shell history.
  const apiKey = args.apiKey ?? apiKeyFrom(process.env.OPENPHONE_API_KEY);
  if (apiKey === undefined) {
    throw new UsageError('API_KEY_MISSING', 'set OPENPHONE_API_KEY to the workspace API key (it is never taken as a flag); or use --dry-run to check the file without sending');
  }
  if (args.maxRows !== undefined && !(Number.isInteger(args.maxRows) && args.maxRows >= 0)) {
    throw new UsageError('MAX_ROWS_INVALID', `--max-rows: found ${args.maxRows}: expected a whole number of records`);
  }
  const maxDurationMs = args.maxDuration === undefined ? undefined : parseDuration(args.maxDuration, '--max-duration');
  const baseLog = args.logFormat === 'json' ? jsonLog : stderrLog;
  // --quiet keeps warnings and the summary, drops information and progress.
  const log = args.quiet ? { info: () => {}, warn: baseLog.warn } : baseLog;
  checkBaseUrl(args.baseUrl ?? config.api.baseUrl, args.baseUrl !== undefined ? '--base-url' : `${config.file}: api.baseUrl`, log);
  const progressMode = args.quiet ? 'quiet' : args.logFormat === 'json' ? 'json' : process.stderr.isTTY ? 'tty' : 'lines';
  const progress = progressPrinter(progressMode, parseDuration(args.progressInterval ?? '30s', '--progress-interval'), (t) => process.stderr.write(t));
  const stop = new AbortController();
  const onSignal = (name: string) => () => {
    baseLog.warn(`${name}: stopping: no new records are sent; requests on their way get a few seconds`);
    stop.abort();
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    const { importJob } = await import('./import-job.js');
    const summary = await importJob({
      config,
      input: args.input,
      stateDir,
      apiKey,
      log,
      progress,
      ...(args.onExisting !== undefined && { onExisting: args.onExisting }),
      ...(args.sameWorkspace === true && { sameWorkspace: true }),
      ...(args.baseUrl !== undefined && { baseUrl: args.baseUrl }),
      ...(args.maxRows !== undefined && { maxRows: args.maxRows }),
      ...(maxDurationMs !== undefined && { maxDurationMs }),
      stop: stop.signal,
    });
    process.stdout.write(`${formatSummary(summary)}\n  reports: ${stateDir}/\n`);
    return summary.exitCode;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** The README's first command: the demo file imported into a sandbox started in this process. */
async function demoCommand(stateDir: string): Promise<number> {
  const { startSandbox } = await import('./sandbox/index.js');
  // The demo config names a createdByUserId; the demo workspace has that user.
  const createdBy = loadConfig(DEMO_CONFIG).createdByUserId;
  const sandbox = await startSandbox({ rate: 10, ...(createdBy !== undefined && { users: [createdBy] }) });
  try {
    // Each demo starts afresh: a new sandbox holds no contacts, so an old journal would lie.
    // Only an earlier demo's state (or an empty folder) is cleared: --state-dir could name anything.
    if (existsSync(stateDir)) {
      await refuseUnlessDemoState(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
    process.stdout.write(`demo: importing ${DEMO_INPUT} into a local sandbox at ${sandbox.url} (10 requests/s, as the real API)\n`);
    const code = await runCommand({ config: DEMO_CONFIG, input: DEMO_INPUT, stateDir, dryRun: false, baseUrl: sandbox.url, apiKey: sandbox.apiKey });
    const stats = sandbox.stats();
    process.stdout.write(`  the sandbox now holds ${stats.contacts} contacts (${stats.duplicateExternalIds} duplicated externalIds)\n`);
    // The demo file has bad rows on purpose, to show the failure report; a demo that ran to the end is a success.
    return code === ExitCode.someFailed ? ExitCode.ok : code;
  } finally {
    await sandbox.stop();
  }
}

/** A folder the demo may clear: empty, or an earlier demo's state, with no run holding its lock. */
async function refuseUnlessDemoState(stateDir: string): Promise<void> {
  const entries = readdirSync(stateDir);
  if (entries.length === 0) return;
  const refuse = (why: string) => new UsageError('DEMO_STATE_DIR', `${stateDir} ${why}: not cleared; pick another --state-dir for the demo`);
  if (!entries.includes('journal.jsonl') && !entries.includes('summary.json')) throw refuse('exists and is not an openphone-import state directory');
  const { liveLock } = await import('./journal/run-lock.js');
  const lock = liveLock(stateDir);
  if (lock !== undefined) throw refuse(`is in use by a run (pid ${lock.pid} on ${lock.host})`);
  if (entries.includes('journal.jsonl')) {
    const { replayJournal } = await import('./journal/replay.js');
    const past = await replayJournal(join(stateDir, 'journal.jsonl'), { repair: false });
    if (past.runs.some((r) => r.event === 'start' && r.input !== DEMO_INPUT)) throw refuse("holds another job's journal (not the demo's)");
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  await yargs(argv)
    .scriptName('openphone-import')
    .usage('$0 <command> [options]\n\nImport contacts from a CSV export into OpenPhone, resumably and within the API rate limit.')
    .command(
      'run',
      'Import (or with --dry-run, only check) a CSV file',
      (y) =>
        y
          .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping config (JSON)' })
          .option('input', { alias: 'i', type: 'string', demandOption: true, describe: 'CSV file to import' })
          .option('state-dir', { type: 'string', describe: 'Where the journal and reports go (default: beside the input)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Read, map and validate everything; send nothing' })
          .option('base-url', { type: 'string', describe: 'API base URL (overrides api.baseUrl), e.g. a sandbox' })
          .option('max-rows', { type: 'number', describe: 'Send at most N records this run, then stop (exit 4); rerun to continue' })
          .option('max-duration', { type: 'string', describe: 'Stop after this long (e.g. 50m, 2h), exit 4; rerun to continue' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress lines, only warnings and the final summary' })
          .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Logs on stderr as text or JSON lines (for log collectors)' })
          .option('progress-interval', { type: 'string', default: '30s', describe: 'Off a terminal: how often a progress line is printed' })
          .option('on-existing', { choices: ['skip', 'update'] as const, default: 'skip' as const, describe: 'A contact with the same externalId already in the workspace: leave it (skip) or PATCH it (update)' })
          .option('same-workspace', { type: 'boolean', default: false, describe: 'The state directory was started with another API key for this same workspace (a rotated key): accept the new one' })
          .example('$0 run --config import.json --input contacts.csv --dry-run', 'check every record, write payloads.jsonl and failures.csv')
          .example('OPENPHONE_API_KEY=... $0 run -c import.json -i contacts.csv', 'import; rerun the same command to resume')
          .example('$0 run -c import.json -i contacts.openphone-import/failures.csv', 'retry the fixed failures')
          .example('$0 run -c import.json -i contacts.csv --max-duration 5h --quiet', 'a cron window: stops after 5 hours with exit 4')
          .example('$0 run -c import.json -i contacts.csv --on-existing update', 'update contacts that already have these externalIds'),
      async (a) => {
        exitCode = await runCommand({
          config: a.config,
          input: a.input,
          stateDir: a['state-dir'],
          dryRun: a['dry-run'],
          baseUrl: a['base-url'],
          maxRows: a['max-rows'],
          maxDuration: a['max-duration'],
          quiet: a.quiet,
          logFormat: a['log-format'],
          progressInterval: a['progress-interval'],
          onExisting: a['on-existing'],
          sameWorkspace: a['same-workspace'],
        });
      },
    )
    .command(
      'demo',
      'Import the bundled example file into a local sandbox started for the purpose',
      (y) => y.option('state-dir', { type: 'string', describe: 'Where reports go (default: ./demo.openphone-import)' }),
      async (a) => {
        exitCode = await demoCommand(a['state-dir'] ?? join(process.cwd(), 'demo.openphone-import'));
      },
    )
    .command(
      'sandbox',
      'Run the local OpenPhone API simulator (for trying an import, and for the tests)',
      (y) =>
        y
          .option('port', { type: 'number', default: 4010, describe: 'Port to listen on (0: any free port)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
          .option('rate', { type: 'number', default: 10, describe: 'Requests per key in any rolling second (0: no limit)' })
          .option('latency', { type: 'string', describe: 'Answer latency in ms, MIN-MAX (e.g. 20-80)' })
          .option('seed', { type: 'number', default: 1, describe: 'Seed of the fault and latency generator' })
          .option('faults', { type: 'string', describe: 'Faults to inject, e.g. post:500=0.05,post:drop=0.03,hang=0.01,429=0.01 or post:reset=#3#7' })
          .option('unique-external-id', { type: 'string', choices: ['409', 'off'], default: '409', describe: '409 (as the live API): refuse a second contact with the same externalId; off: accept it (a lenient mode for tests)' })
          .option('patch-arrays', { type: 'string', choices: ['replace', 'merge'], default: 'replace', describe: 'How PATCH treats emails, phones and custom fields (unknown for the live API)' })
          .option('create-delay', { type: 'number', describe: 'Creates take this many ms on the server before the contact is stored (a slow API)' })
          .option('users', { type: 'string', describe: 'Comma-separated user ids GET /v1/users/{id} knows (default USsandbox0001)' })
          .option('custom-fields', { type: 'string', describe: 'JSON file: the workspace custom fields [{ name, key, type }]' })
          .option('retry-after', { type: 'number', describe: 'Seconds sent as Retry-After on 429 (default: no header)' })
          .example('$0 sandbox --port 4010 --latency 20-80 --faults post:500=0.05', 'a sandbox that fails 5% of creates')
          .example('OPENPHONE_API_KEY=<printed key> $0 run -c import.json -i contacts.csv --base-url http://127.0.0.1:4010', 'import into it'),
      async (a) => {
        const { startSandbox } = await import('./sandbox/index.js');
        const sb = await startSandbox(
          sandboxOptionsFromCli({
            port: a.port, host: a.host, rate: a.rate, latency: a.latency, seed: a.seed, faults: a.faults,
            uniqueExternalId: a['unique-external-id'], patchArrays: a['patch-arrays'], users: a.users, createDelay: a['create-delay'], customFields: a['custom-fields'], retryAfter: a['retry-after'],
            apiKey: process.env.OPENPHONE_SANDBOX_KEY,
          }),
        );
        process.stdout.write(`sandbox listening on ${sb.url}\napi key: ${sb.apiKey}\ninspect: ${sb.url}/__sandbox/stats, ${sb.url}/__sandbox/contacts\nstop with Ctrl-C\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void sb.stop().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    )
    .command(
      'init',
      'Write a mapping config from an export: recognises the columns of Google Contacts, Outlook, HubSpot and Salesforce exports',
      (y) =>
        y
          .option('input', { alias: 'i', type: 'string', demandOption: true, describe: 'The CSV export' })
          .option('out', { alias: 'o', type: 'string', default: 'import.json', describe: 'Where to write the config' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite --out if it exists' })
          .option('base-url', { type: 'string', default: 'https://api.openphone.com', describe: 'API to ask for custom fields (with OPENPHONE_API_KEY set)' })
          .example('$0 init --input contacts.csv --out import.json', 'then: $0 run -c import.json -i contacts.csv --dry-run'),
      async (a) => {
        const { initConfig } = await import('./init/init-command.js');
        const r = await initConfig({ input: a.input, out: a.out, force: a.force, baseUrl: a['base-url'], apiKey: apiKeyFrom(process.env.OPENPHONE_API_KEY), packageRoot, log: stderrLog });
        const lines = [
          `wrote ${a.out}`,
          `  ${r.encodingNote}`,
          `  csv.delimiter: ${JSON.stringify(r.config.csv?.delimiter)}`,
          ...r.notes.map((n) => `  ${n}`),
          r.unmapped.length > 0 ? `  left unmapped: ${r.unmapped.map((u) => JSON.stringify(u)).join(', ')}` : '  every column is mapped',
          process.env.OPENPHONE_API_KEY ? '' : '  (set OPENPHONE_API_KEY to match columns to the workspace\'s custom fields)',
          `next: openphone-import run --config ${a.out} --input ${a.input} --dry-run`,
        ];
        process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
      },
    )
    .command(
      'status',
      "What a job has done, from its state directory alone (read-only, safe while it runs)",
      (y) =>
        y
          .option('state-dir', { type: 'string', demandOption: true, describe: 'The state directory of the job' })
          .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
          .example('$0 status --state-dir contacts.openphone-import', ''),
      async (a) => {
        const { formatStatus, jobStatus } = await import('./status.js');
        const status = await jobStatus(a['state-dir']);
        process.stdout.write(a.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
      },
    )
    .demandCommand(1, 'name a command: init, run, status, sandbox, demo')
    .example('$0 init -i contacts.csv -o import.json', '1. write a config from the export')
    .example('$0 run -c import.json -i contacts.csv --dry-run', '2. check every record, send nothing')
    .example('OPENPHONE_API_KEY=... $0 run -c import.json -i contacts.csv', '3. import (the same command resumes)')
    .epilogue('The API key is read from OPENPHONE_API_KEY only. Exit codes: 0 all created or already done, 1 some records failed (see failures.csv), 2 usage or config error (nothing sent), 3 aborted (key rejected, lock held), 4 stopped early on purpose (run again to continue).')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      throw new ImportError('USAGE', `${msg}\n(see openphone-import --help)`, ExitCode.usage);
    })
    .version(packageVersion())
    .help()
    .parseAsync();
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ImportError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`internal error (this is a bug in openphone-import, please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
