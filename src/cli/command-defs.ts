import type { Argv, CommandModule, Options } from 'yargs';
import { join } from 'node:path';
import { DEFAULT_RULES } from '../job/plan.js';
import { sandboxOptionsFromCli } from '../sandbox/cli-options.js';
import { SANDBOX_DEFAULTS } from '../sandbox/defaults.js';
import { DEFAULT_PROGRESS_INTERVAL } from './commands/run.js';
import { demoCommand } from './commands/demo.js';
import { runCommand } from './commands/run.js';

/**
 * The commands' flags and help, one definition each, in the order of the
 * workflow (init, run, status, rollback, sandbox, demo). `setExit` takes a command's exit
 * code; commands that throw are mapped by runMain. Each command's own modules
 * are imported when it runs: a dry run does not load the HTTP client or the sandbox.
 */
type SetExit = (code: number) => void;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Def = CommandModule<object, any>;

/**
 * Every long option of every command, for "did you mean" on a mistyped one:
 * read from the definitions themselves, by running each builder against a
 * stand-in that records the names it is given.
 */
export function optionNames(defs: readonly Def[]): string[] {
  const names = new Set(['help', 'version']);
  const recorder: Argv = new Proxy({} as Argv, {
    get: (_, method) => (first: unknown) => {
      if (method === 'option' && typeof first === 'string') names.add(first);
      // A table of flags (RUN_OPTIONS): its keys.
      if (method === 'options' && typeof first === 'object' && first !== null)
        for (const name of Object.keys(first)) names.add(name);
      return recorder;
    },
  });
  for (const def of defs) if (typeof def.builder === 'function') def.builder(recorder);
  return [...names];
}

export const initDef = (): Def => ({
  command: 'init',
  describe:
    'Write a mapping config from an export (Google, Outlook, HubSpot, Salesforce, Zoho, Pipedrive, LinkedIn; German, French, Spanish headers)',
  builder: (y: Argv) =>
    y
      .option('input', {
        alias: 'i',
        type: 'string',
        demandOption: true,
        describe: 'The export: a CSV file, an Excel workbook (.xlsx) or vCards (.vcf)',
      })
      .option('out', { alias: 'o', type: 'string', default: 'import.json', describe: 'Where to write the config' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite --out if it exists' })
      .option('update', {
        type: 'boolean',
        default: false,
        describe:
          'Add to the config at --out what the export has and it does not map yet, keeping every edit (the file before is kept as .before-update)',
      })
      .option('base-url', {
        type: 'string',
        default: 'https://api.openphone.com',
        describe: 'API to ask for custom fields (with OPENPHONE_API_KEY set)',
      })
      .example(
        'openphone-import init --input contacts.csv --out import.json',
        'then: openphone-import run -c import.json -i contacts.csv --dry-run',
      ),
  handler: async (a) => {
    const { initCommand } = await import('./commands/init.js');
    await initCommand({ input: a.input, out: a.out, force: a.force, update: a.update, baseUrl: a['base-url'] });
  },
});

/** run's flags. */
const RUN_OPTIONS = {
  config: { alias: 'c', type: 'string', demandOption: true, describe: 'Mapping config (JSON)' },
  input: {
    alias: 'i',
    type: 'string',
    demandOption: true,
    describe:
      'The file to import: CSV, .xlsx or .vcf (or a failures.csv / failures.vcf / review.csv of the job, fixed or decided)',
  },
  'state-dir': { type: 'string', describe: 'Where the journal and reports go (default: beside the input)' },
  'dry-run': {
    type: 'boolean',
    default: false,
    describe: 'Read, map and validate everything; send nothing',
  },
  'base-url': { type: 'string', describe: 'API base URL (overrides api.baseUrl), e.g. a sandbox' },
  'max-rows': {
    type: 'number',
    describe: 'Send at most N records this run, then stop (exit 4); rerun to continue',
  },
  'max-duration': {
    type: 'string',
    describe: 'Stop after this long (e.g. 50m, 2h), exit 4; rerun to continue',
  },
  quiet: {
    alias: 'q',
    type: 'boolean',
    default: false,
    describe:
      'Nothing at all for a run that ends well (exit 0, or 4 with records moved) and no warning (cron mails only on trouble); otherwise the warnings and the summary. No progress lines',
  },
  'log-format': {
    choices: ['text', 'json'] as const,
    default: 'text' as const,
    describe: 'Logs on stderr as text or JSON lines (for log collectors)',
  },
  'progress-interval': {
    type: 'string',
    default: DEFAULT_PROGRESS_INTERVAL,
    describe: 'Off a terminal: how often a progress line is printed',
  },
  'on-existing': {
    choices: ['skip', 'update'] as const,
    default: DEFAULT_RULES.onExisting,
    describe: 'A contact with the same externalId already in the workspace: leave it (skip) or PATCH it (update)',
  },
  'tolerate-failed': {
    type: 'string',
    describe:
      'A run whose failed records stay within N (or P% of the records read) exits 0, for monitors that page on any other exit; they are in failures.csv all the same. Records for review still exit 1',
  },
  verify: {
    type: 'boolean',
    describe:
      'Also read the contacts of unchanged records (20 a request) and compare them with what the job wrote: one deleted in the app is made again, one changed there is listed in drift.csv (and written back with "update": { "conflicts": "source" }). Safe weekly from cron',
  },
  'on-changed': {
    choices: ['update', 'skip'] as const,
    default: DEFAULT_RULES.onChanged,
    describe:
      'A record changed since the job last sent it: update its contact, or only report it (unchanged records cost no request either way)',
  },
  'match-existing': {
    type: 'string',
    describe:
      "Adopt contacts the workspace already has by phone, email or phone,email (lists the workspace once: one request per 50 contacts); none turns the config's matchExisting off",
  },
  'delete-missing': {
    type: 'boolean',
    default: false,
    describe:
      'Delete the contacts this job created, and release those it adopted, whose externalId is no longer in the input (after a whole read of the export only, never from a collapsed one; written to deleted.csv first)',
  },
  'max-delete': {
    type: 'number',
    describe: "With --delete-missing: allow deleting up to N contacts (default: at most 5% of the job's contacts)",
  },
  'confirm-delete': {
    type: 'number',
    describe:
      'With --delete-missing: this run may act on exactly N contacts although the input looks collapsed (empty, or under half the last whole export); for one run, not for a cron line',
  },
  'require-phone': {
    type: 'boolean',
    default: false,
    describe:
      'A record with no phone number fails (PHONE_MISSING) instead of becoming a contact OpenPhone cannot call or text (config requirePhone)',
  },
  notify: {
    type: 'string',
    describe:
      'When the run ends, POST its outcome as JSON to this URL (counts, deletions, conflicts, exit code and meaning, the hint, the report), with a "text" field a chat webhook shows as the message. A failed post is a warning, never a failed run',
  },
  'notify-on': {
    choices: ['trouble', 'always'] as const,
    describe:
      'With --notify: post only when the run did not end well or warned (trouble, the default), or after every run',
  },
  'ping-url': {
    type: 'string',
    describe:
      'A health-check URL: URL/start when the run starts, URL when it ends well (exit 0, or 4 with progress made), URL/fail otherwise, with the summary as the body',
  },
  'metrics-file': {
    type: 'string',
    describe:
      "Write the run's figures here in the Prometheus text format (node_exporter's textfile collector), atomically: records by bucket, requests, 429s, duration, exit code, the last run that ended well",
  },
  'same-workspace': {
    type: 'boolean',
    default: false,
    describe:
      'The state directory was started with another API key for this same workspace (a rotated key): accept the new one',
  },
} as const satisfies Record<string, Options>;

const RUN_EXAMPLES: [string, string][] = [
  [
    'openphone-import run --config import.json --input contacts.csv --dry-run',
    'check every record, write payloads.jsonl and failures.csv',
  ],
  [
    'OPENPHONE_API_KEY=... openphone-import run -c import.json -i contacts.csv',
    'import; rerun the same command to resume',
  ],
  ['openphone-import run -c import.json -i contacts.openphone-import/failures.csv', 'retry the fixed failures'],
  [
    'openphone-import run -c import.json -i contacts.csv --max-duration 5h --quiet',
    'a cron window: stops after 5 hours with exit 4',
  ],
  [
    'openphone-import run -c import.json -i contacts.csv --quiet --ping-url https://hc-ping.com/ID --notify https://hooks.slack.com/services/…',
    'unattended: a health check hears every run, the chat only the troubled ones',
  ],
  [
    'openphone-import run -c import.json -i contacts.csv --on-existing update',
    'update contacts that already have these externalIds',
  ],
  [
    'openphone-import run -c import.json -i todays-export.csv --state-dir crm.openphone-import',
    'a nightly sync: new records created, changed ones updated, unchanged ones cost nothing',
  ],
  [
    'openphone-import run -c import.json -i contacts.csv --match-existing phone,email',
    'adopt the contacts the workspace already has instead of duplicating them',
  ],
];

export const runDef = (setExit: SetExit): Def => ({
  command: 'run',
  describe: 'Import (or with --dry-run, only check) a CSV file, an .xlsx workbook or a .vcf file of vCards',
  builder: (y: Argv) => y.options(RUN_OPTIONS).example(RUN_EXAMPLES),
  handler: async (a) => {
    setExit(
      await runCommand({
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
        onChanged: a['on-changed'],
        verify: a.verify,
        tolerateFailed: a['tolerate-failed'],
        matchExisting: a['match-existing'],
        deleteMissing: a['delete-missing'],
        maxDelete: a['max-delete'],
        confirmDelete: a['confirm-delete'],
        sameWorkspace: a['same-workspace'],
        requirePhone: a['require-phone'],
        notify: a.notify,
        notifyOn: a['notify-on'],
        pingUrl: a['ping-url'],
        metricsFile: a['metrics-file'],
      }),
    );
  },
});

export const statusDef = (): Def => ({
  command: 'status',
  describe: 'What a job has done, from its state directory alone (read-only, safe while it runs)',
  builder: (y: Argv) =>
    y
      .option('state-dir', { type: 'string', demandOption: true, describe: 'The state directory of the job' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .example('openphone-import status --state-dir contacts.openphone-import', ''),
  handler: async (a) => {
    const { statusCommand } = await import('./commands/status.js');
    await statusCommand(a['state-dir'], a.json);
  },
});

export const rollbackDef = (setExit: SetExit): Def => ({
  command: 'rollback',
  describe: 'Delete the contacts a job created (from its journal); without --yes, only list them',
  builder: (y: Argv) =>
    y
      .option('state-dir', { type: 'string', demandOption: true, describe: 'The state directory of the job to undo' })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe: 'Delete them (without it, nothing is deleted: the contacts are counted and listed)',
      })
      .option('base-url', {
        type: 'string',
        describe: 'The API the job imported into (default: the one its journal names)',
      })
      .example('openphone-import rollback --state-dir contacts.openphone-import', 'list what would be deleted')
      .example(
        'OPENPHONE_API_KEY=... openphone-import rollback --state-dir contacts.openphone-import --yes',
        'delete them; killed or stopped, the same command continues',
      ),
  handler: async (a) => {
    const { rollbackCommand } = await import('./commands/rollback.js');
    setExit(await rollbackCommand({ stateDir: a['state-dir'], yes: a.yes, baseUrl: a['base-url'] }));
  },
});

/** sandbox's flags. */
const SANDBOX_OPTIONS = {
  port: {
    type: 'number',
    default: SANDBOX_DEFAULTS.port,
    describe: 'Port to listen on (0: any free port)',
  },
  host: { type: 'string', default: SANDBOX_DEFAULTS.host, describe: 'Address to listen on' },
  rate: {
    type: 'number',
    default: SANDBOX_DEFAULTS.rate,
    describe: 'Requests per key in any rolling second (0: no limit)',
  },
  latency: { type: 'string', describe: 'Answer latency in ms, MIN-MAX (e.g. 20-80)' },
  seed: {
    type: 'number',
    default: SANDBOX_DEFAULTS.seed,
    describe: 'Seed of the fault and latency generator',
  },
  faults: {
    type: 'string',
    describe: 'Faults to inject, e.g. post:500=0.05,post:drop=0.03,hang=0.01,429=0.01 or post:reset=#3#7',
  },
  'unique-external-id': {
    type: 'string',
    choices: ['409', 'per-source', 'off'],
    default: SANDBOX_DEFAULTS.uniqueExternalId,
    describe:
      "409 (as v1 was observed): refuse a second contact with the same externalId; per-source: only with the same source too (the dated API's rule); off: accept it (a lenient mode for tests)",
  },
  'patch-arrays': {
    type: 'string',
    choices: ['replace', 'merge'],
    default: SANDBOX_DEFAULTS.patchArrays,
    describe: 'How PATCH treats emails, phones and custom fields (unknown for the live API)',
  },
  'create-delay': {
    type: 'number',
    describe: 'Creates take this many ms on the server before the contact is stored (a slow API)',
  },
  users: {
    type: 'string',
    describe:
      'The workspace users GET /v1/users lists: comma-separated ids (default USsandbox0001), or a JSON file of { id, email, firstName, lastName, role }',
  },
  'custom-fields': {
    type: 'string',
    describe: 'JSON file: the workspace custom fields [{ name, key, type }]',
  },
  'retry-after': { type: 'number', describe: 'Seconds sent as Retry-After on 429 (default: no header)' },
  existing: {
    type: 'string',
    describe:
      'CSV or JSONL file: contacts the workspace has before a job (some without an externalId, as the app makes them)',
  },
  'date-offset': {
    type: 'number',
    describe:
      "Seconds the answers' Date header runs off the clock that stamps contacts (a gateway's own clock), e.g. -7200",
  },
  'date-header': {
    type: 'boolean',
    default: true,
    describe: 'Send a Date header (--no-date-header: none, as some gateways)',
  },
} as const satisfies Record<string, Options>;

const SANDBOX_EXAMPLES: [string, string][] = [
  ['openphone-import sandbox --port 4010 --latency 20-80 --faults post:500=0.05', 'a sandbox that fails 5% of creates'],
  [
    'OPENPHONE_API_KEY=<printed key> openphone-import run -c import.json -i contacts.csv --base-url http://127.0.0.1:4010',
    'import into it',
  ],
];

export const sandboxDef = (): Def => ({
  command: 'sandbox',
  describe: 'Run the local OpenPhone API simulator (for trying an import, and for the tests)',
  builder: (y: Argv) => y.options(SANDBOX_OPTIONS).example(SANDBOX_EXAMPLES),
  handler: async (a) => {
    const { sandboxCommand } = await import('./commands/sandbox.js');
    await sandboxCommand(
      sandboxOptionsFromCli({
        port: a.port,
        host: a.host,
        rate: a.rate,
        latency: a.latency,
        seed: a.seed,
        faults: a.faults,
        uniqueExternalId: a['unique-external-id'],
        patchArrays: a['patch-arrays'],
        users: a.users,
        createDelay: a['create-delay'],
        customFields: a['custom-fields'],
        retryAfter: a['retry-after'],
        existing: a.existing,
        dateOffset: a['date-offset'],
        dateHeader: a['date-header'],
        apiKey: process.env.OPENPHONE_SANDBOX_KEY,
      }),
    );
  },
});

export const demoDef = (setExit: SetExit): Def => ({
  command: 'demo',
  describe: 'Import the bundled example file into a local sandbox started for the purpose',
  builder: (y: Argv) =>
    y.option('state-dir', { type: 'string', describe: 'Where reports go (default: ./demo.openphone-import)' }),
  handler: async (a) => {
    setExit(await demoCommand(a['state-dir'] ?? join(process.cwd(), 'demo.openphone-import')));
  },
});
