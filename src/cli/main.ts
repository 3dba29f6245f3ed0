import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { ExitCode, ImportError } from '../errors.js';
import { sandboxOptionsFromCli } from '../sandbox/cli-options.js';
import { demoCommand } from './commands/demo.js';
import { runCommand } from './commands/run.js';
import { packageRoot } from './paths.js';

/**
 * The command line: parse, dispatch, and map what comes back to an exit code.
 * Importing this module runs nothing; `runMain` is the only place that touches
 * process.exitCode. Each command's own modules are imported when it runs: a
 * dry run does not load the HTTP client or the sandbox. Everything below it
 * throws ImportError (a user's problem, with its exit code) or anything else
 * (a bug in this program, exit 70 with the stack).
 */

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
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
        const { sandboxCommand } = await import('./commands/sandbox.js');
        await sandboxCommand(
          sandboxOptionsFromCli({
            port: a.port, host: a.host, rate: a.rate, latency: a.latency, seed: a.seed, faults: a.faults,
            uniqueExternalId: a['unique-external-id'], patchArrays: a['patch-arrays'], users: a.users, createDelay: a['create-delay'], customFields: a['custom-fields'], retryAfter: a['retry-after'],
            apiKey: process.env.OPENPHONE_SANDBOX_KEY,
          }),
        );
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
        const { initCommand } = await import('./commands/init.js');
        await initCommand({ input: a.input, out: a.out, force: a.force, baseUrl: a['base-url'] });
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
        const { statusCommand } = await import('./commands/status.js');
        await statusCommand(a['state-dir'], a.json);
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
    // --help and --version print and return: only runMain touches the process.
    .exitProcess(false)
    .version(packageVersion())
    .help()
    .parseAsync();
  return exitCode;
}


/** Runs the command line and sets the process's exit code; never throws. */
export async function runMain(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    if (err instanceof ImportError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`internal error (this is a bug in openphone-import, please report it):\n${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = ExitCode.internal;
    }
  }
}
