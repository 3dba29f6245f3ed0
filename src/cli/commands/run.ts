import { apiKeyFrom } from '../../api/api-key.js';
import { checkBaseUrl } from '../../api/base-url.js';
import { loadConfig } from '../../config/load.js';
import type { MatchKey, ResolvedConfig } from '../../config/resolved.js';
import { ImportError, UsageError } from '../../errors.js';
import { RunMonitors, type MonitorFlags } from '../../monitor/monitors.js';
import { isTrouble, MAX_WARNINGS_KEPT, type RunOutcome, type RunWarning } from '../../monitor/outcome.js';
import type { FailedTolerance } from '../../report/summary.js';
import { jsonLog, jsonLogLine, stderrLog, type Log } from '../../log.js';
import { progressPrinter } from '../../report/progress.js';
import { formatSummary, type Summary } from '../../report/summary.js';
import { dryRun } from '../../job/dry-run.js';
import { DEFAULT_RULES, type PlanRules } from '../../job/plan.js';
import { defaultStateDir } from '../../state/state-dir.js';
import { newJobBesideAnother } from '../../job/job-beside.js';
import { parseDuration } from '../../util/duration.js';
import { nextStepList, nextSteps } from '../next-command.js';
import { stopOnSignals } from '../stop-on-signals.js';
import { journalRefusalBeforeJob } from '../../job/refused-run.js';

/** `run`: flags, environment and config resolved once, then the dry run or the import. */
export interface RunArgs extends MonitorFlags {
  config: string;
  input: string;
  stateDir?: string;
  dryRun: boolean;
  baseUrl?: string;
  maxRows?: number;
  tolerateFailed?: string;
  maxDuration?: string;
  apiKey?: string;
  quiet?: boolean;
  logFormat?: 'text' | 'json';
  progressInterval?: string;
  onExisting?: 'skip' | 'update';
  onChanged?: 'update' | 'skip';
  verify?: boolean;
  /** "phone", "email", "phone,email", or "none". */
  matchExisting?: string;
  deleteMissing?: boolean;
  maxDelete?: number;
  confirmDelete?: number;
  sameWorkspace?: boolean;
  /** --require-phone: a record with no phone number fails. */
  requirePhone?: boolean;
  /** The commands to paste next (off for the demo, whose sandbox is gone when it ends). */
  hints?: boolean;
}

/** How often a progress line is printed off a terminal. */
export const DEFAULT_PROGRESS_INTERVAL = '30s';

export async function runCommand(args: RunArgs): Promise<number> {
  const progressMode = args.quiet
    ? 'quiet'
    : args.logFormat === 'json'
      ? 'json'
      : process.stderr.isTTY
        ? 'tty'
        : 'lines';
  // On a terminal the live progress line is cleared before a message, so the two never share a line.
  const clearLine = progressMode === 'tty' ? () => process.stderr.write('\r\x1b[K') : () => {};
  // --log-format json: every warning a JSON line with its code, the dry run's too.
  const plainLog = args.logFormat === 'json' ? jsonLog : stderrLog;
  // --quiet keeps warnings and drops information and progress; the summary only when there is trouble (below).
  // Kept for the monitors: a notification of a run that warned says what it warned of.
  const warnings: RunWarning[] = [];
  const log: Log = {
    info: (m) => (args.quiet ? undefined : (clearLine(), plainLog.info(m))),
    warn: (message, code) => {
      if (warnings.length < MAX_WARNINGS_KEPT) warnings.push({ code, message });
      clearLine();
      plainLog.warn(message, code);
    },
  };
  // The monitors are set up first: a config that does not load is trouble a monitor must hear of.
  const monitors = new RunMonitors(args, log);
  await monitors.started();
  let outcome: RunOutcome | undefined;
  try {
    const { summary, next } = await runJob(args, log, progressMode);
    outcome = { exitCode: summary.exitCode, summary, next, warnings };
    // --quiet: a run that ended well (done, or stopped on purpose to go on next time) with no warning prints nothing, so cron mails only on trouble.
    if (!(args.quiet && !isTrouble(outcome))) printSummary(summary, args, next);
    return summary.exitCode;
  } catch (err) {
    if (err instanceof ImportError)
      outcome = {
        exitCode: err.exitCode,
        error: { code: err.code, message: err.message, ...(err.hint !== undefined && { hint: err.hint }) },
        next: [],
        warnings,
      };
    throw err;
  } finally {
    if (outcome !== undefined) await monitors.ended(outcome);
  }
}

/**
 * The dry run or the import. An import refused before its job began (a config
 * that does not load, a flag, no key in cron's environment) is journaled in
 * the job's state directory when it has a journal, as the job journals one
 * refused at its input (job/refused-run.ts): status tells that night from the
 * one before.
 */
async function runJob(
  args: RunArgs,
  log: Log,
  progressMode: 'quiet' | 'json' | 'tty' | 'lines',
): Promise<{ summary: Summary; next: string[] }> {
  const startedAt = new Date();
  const stage = { jobBegan: false };
  try {
    return await runJobSteps(args, log, progressMode, stage);
  } catch (err) {
    if (!args.dryRun && !stage.jobBegan && err instanceof ImportError)
      journalRefusalBeforeJob(args.stateDir ?? defaultStateDir(args.input), args.input, startedAt, err, log);
    throw err;
  }
}

/** The dry run or the import, with every flag resolved and checked; `stage.jobBegan` once the import's job has it. */
async function runJobSteps(
  args: RunArgs,
  log: Log,
  progressMode: 'quiet' | 'json' | 'tty' | 'lines',
  stage: { jobBegan: boolean },
): Promise<{ summary: Summary; next: string[] }> {
  const loaded = loadConfig(args.config);
  const config = args.requirePhone === true ? { ...loaded, requirePhone: true } : loaded;
  const stateDir = args.stateDir ?? defaultStateDir(args.input);
  // Flags are checked in a dry run too: its next commands carry them.
  const flags = runFlags(args);
  // A state directory named after the input starts a new job for a new file name: not beside this config's job.
  const beside =
    args.stateDir === undefined
      ? await newJobBesideAnother(stateDir, args.input, config, {
          baseUrl: args.baseUrl ?? config.api.baseUrl,
          apiKey: args.apiKey ?? apiKeyFrom(process.env.OPENPHONE_API_KEY),
        })
      : undefined;
  if (beside !== undefined && !args.dryRun) throw beside;
  if (beside !== undefined)
    log.warn(`the import would stop before sending: ${beside.message}\nhint: ${beside.hint}`, beside.code);
  // Beside another job, the next commands name no state directory: the person chooses (the import says both ways).
  const hintDir = beside === undefined ? stateDir : undefined;
  const done = (summary: Summary) => ({
    summary,
    next: args.hints === false ? [] : nextSteps(summary, { ...args, stateDir: hintDir }),
  });
  if (args.dryRun) {
    const baseUrl = args.baseUrl !== undefined ? checkBaseUrl(args.baseUrl, '--base-url', log) : config.api.baseUrl;
    // With a key the first changed records' contacts are read to show their changes (nothing is sent).
    const key = args.apiKey ?? apiKeyFrom(process.env.OPENPHONE_API_KEY);
    return done(
      await dryRun({
        config,
        input: args.input,
        stateDir,
        log,
        // --verify is previewed: the unchanged records' contacts are read, nothing is written.
        rules: { ...flags.rules, ...(args.verify === true && { verify: true }) },
        nextSteps: hintsFor(args, hintDir),
        ...(key !== undefined && { api: { apiKey: key, baseUrl } }),
        ...(flags.matchExisting !== undefined && { matchExisting: flags.matchExisting }),
        ...(args.deleteMissing === true && { deleteMissing: deleteFlags(args) }),
      }),
    );
  }
  return done(await runImport(args, log, progressMode, { config, stateDir, flags, stage }));
}

/** The flags a run takes beyond the config, parsed and checked (exit 2 with the fix otherwise). */
function runFlags(args: RunArgs) {
  const matchExisting = args.matchExisting === undefined ? undefined : parseMatchKeys(args.matchExisting);
  checkDeleteFlags(args);
  if (args.maxRows !== undefined && !(Number.isInteger(args.maxRows) && args.maxRows >= 0)) {
    throw new UsageError('MAX_ROWS_INVALID', `--max-rows: found ${args.maxRows}: expected a whole number of records`, {
      hint: 'give how many records this run may send, e.g. --max-rows 1000, or leave it out for all',
    });
  }
  const rules: PlanRules = {
    onExisting: args.onExisting ?? DEFAULT_RULES.onExisting,
    onChanged: args.onChanged ?? DEFAULT_RULES.onChanged,
  };
  return {
    matchExisting,
    maxDurationMs: args.maxDuration === undefined ? undefined : parseDuration(args.maxDuration, '--max-duration'),
    tolerateFailed: args.tolerateFailed === undefined ? undefined : parseTolerance(args.tolerateFailed),
    progressIntervalMs: parseDuration(args.progressInterval ?? DEFAULT_PROGRESS_INTERVAL, '--progress-interval'),
    rules,
  };
}

/** The import: the key from the environment only, progress on stderr, a stop on SIGINT/SIGTERM. */
async function runImport(
  args: RunArgs,
  log: Log,
  progressMode: 'quiet' | 'json' | 'tty' | 'lines',
  run: { config: ResolvedConfig; stateDir: string; flags: ReturnType<typeof runFlags>; stage: { jobBegan: boolean } },
): Promise<Summary> {
  const { config, stateDir, flags } = run;
  // The key comes from the environment only: argv shows in `ps` and shell history.
  const apiKey = args.apiKey ?? apiKeyFrom(process.env.OPENPHONE_API_KEY);
  if (apiKey === undefined) {
    throw new UsageError(
      'API_KEY_MISSING',
      'no API key: OPENPHONE_API_KEY is not set (the key is never taken as a flag: argv shows in ps and shell history)',
      { hint: 'set OPENPHONE_API_KEY to the workspace API key; or use --dry-run to check the file without sending' },
    );
  }
  checkBaseUrl(
    args.baseUrl ?? config.api.baseUrl,
    args.baseUrl !== undefined ? '--base-url' : `${config.file}: api.baseUrl`,
    log,
  );
  const progress = progressPrinter(
    progressMode,
    flags.progressIntervalMs,
    (t) => process.stderr.write(t),
    Date.now,
    () => process.stderr.columns ?? 80,
  );
  const stop = stopOnSignals((name) =>
    log.warn(`${name}: stopping: no new records are sent; requests on their way get a few seconds`, 'STOPPING'),
  );
  try {
    const { importJob } = await import('../../job/import-job.js');
    // From here the job journals its own refusals (job/import-job.ts).
    run.stage.jobBegan = true;
    return await importJob({
      config,
      input: args.input,
      stateDir,
      apiKey,
      log,
      progress,
      onExisting: flags.rules.onExisting,
      onChanged: flags.rules.onChanged,
      ...(args.verify === true && { verify: true }),
      ...(flags.tolerateFailed !== undefined && { tolerateFailed: flags.tolerateFailed }),
      nextSteps: hintsFor(args, stateDir),
      ...(flags.matchExisting !== undefined && { matchExisting: flags.matchExisting }),
      ...(args.deleteMissing === true && { deleteMissing: deleteFlags(args) }),
      ...(args.sameWorkspace === true && { sameWorkspace: true }),
      ...(args.baseUrl !== undefined && { baseUrl: args.baseUrl }),
      ...(args.maxRows !== undefined && { maxRows: args.maxRows }),
      ...(flags.maxDurationMs !== undefined && { maxDurationMs: flags.maxDurationMs }),
      stop: stop.signal,
    });
  } finally {
    stop.dispose();
  }
}

const deleteFlags = (args: RunArgs) => ({
  ...(args.maxDelete !== undefined && { maxDelete: args.maxDelete }),
  ...(args.confirmDelete !== undefined && { confirmDelete: args.confirmDelete }),
});

/** --max-delete and --confirm-delete: whole numbers, and only with --delete-missing. */
function checkDeleteFlags(args: RunArgs): void {
  if (args.maxDelete !== undefined && !(Number.isInteger(args.maxDelete) && args.maxDelete >= 0)) {
    throw new UsageError(
      'MAX_DELETE_INVALID',
      `--max-delete: found ${args.maxDelete}: expected a whole number of contacts`,
      { hint: 'give the most contacts the run may delete, e.g. --max-delete 50' },
    );
  }
  if (args.maxDelete !== undefined && args.deleteMissing !== true)
    throw new UsageError('MAX_DELETE_ALONE', '--max-delete goes with --delete-missing, which is not set', {
      hint: 'add --delete-missing, or leave --max-delete out',
    });
  if (args.confirmDelete !== undefined && !(Number.isInteger(args.confirmDelete) && args.confirmDelete >= 1)) {
    throw new UsageError(
      'CONFIRM_DELETE_INVALID',
      `--confirm-delete: found ${args.confirmDelete}: expected the whole number of contacts the run said it would act on`,
      { hint: 'copy the number from the refusal, e.g. --confirm-delete 98' },
    );
  }
  if (args.confirmDelete !== undefined && args.deleteMissing !== true)
    throw new UsageError('CONFIRM_DELETE_ALONE', '--confirm-delete goes with --delete-missing, which is not set', {
      hint: 'add --delete-missing, or leave --confirm-delete out',
    });
}

/** --match-existing: "phone", "email", "phone,email" (either order), or "none" (off). */
export function parseMatchKeys(text: string): MatchKey[] {
  const words = text
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  if (words.length === 1 && words[0] === 'none') return [];
  const bad = words.filter((w) => w !== 'phone' && w !== 'email');
  if (words.length === 0 || bad.length > 0) {
    throw new UsageError(
      'MATCH_EXISTING_INVALID',
      `--match-existing: found ${JSON.stringify(text)}: expected phone, email, phone,email or none`,
      { hint: 'e.g. --match-existing phone,email to adopt contacts the workspace already has' },
    );
  }
  return [...new Set(words as MatchKey[])];
}

/** The next steps of a run started with these arguments, for report.html. */
const hintsFor = (args: RunArgs, stateDir: string | undefined) => (summary: Summary) =>
  args.hints === false ? [] : nextStepList(summary, { ...args, stateDir });

/** The summary for a person on stdout, with the next commands; with --log-format json, also as one JSON line on stderr. */
function printSummary(summary: Summary, args: RunArgs, next: readonly string[]): void {
  process.stdout.write(
    `${[formatSummary(summary), `  reports: ${summary.reportDir ?? summary.stateDir}/`, ...next].join('\n')}\n`,
  );
  if (args.logFormat === 'json')
    process.stderr.write(jsonLogLine(summary.exitCode === 0 ? 'info' : 'warn', { event: 'summary', ...summary, next }));
}

/** --tolerate-failed: "N" records, or "P%" of the records read. */
function parseTolerance(text: string): FailedTolerance {
  const count = /^\d+$/.exec(text.trim());
  if (count) return { count: Number(text.trim()) };
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (percent && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  throw new UsageError(
    'TOLERATE_FAILED_INVALID',
    `--tolerate-failed: found ${JSON.stringify(text)}: expected a whole number of records or a percentage of the records read`,
    { hint: 'e.g. --tolerate-failed 5, or --tolerate-failed 0.1%' },
  );
}
