import { realpathOrSame } from '../util/realpath-or-same.js';
import { join, relative } from 'node:path';
import type { NextStep } from '../report/html-report.js';
import { STATE_FILES } from '../state/private-files.js';
import { isFailureReportName } from '../state/state-dir.js';
import type { Summary } from '../report/summary.js';
import { packageRoot } from './paths.js';
import { shellQuote } from '../util/shell-quote.js';

/**
 * How the user started this program, as they can type it again in the same
 * folder: `npx openphone-import` (npx, an npm script such as `npm run demo`, or a
 * clone's node_modules/.bin), `node dist/src/cli.js` (the file itself, typed),
 * or `openphone-import` (installed as a command: `npm install -g`, whose shim on
 * Windows starts node with the file inside the global node_modules).
 */
export function invokedAs(
  argv1 = process.argv[1] ?? '',
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  // npm 11 says `run` for an npm script, older npm `run-script`.
  if (env.npm_command === 'exec' || env.npm_command === 'run' || env.npm_command === 'run-script')
    return 'npx openphone-import';
  const parts = argv1.split(/[\\/]/);
  if (parts.includes('node_modules') && parts.includes('.bin')) return 'npx openphone-import';
  const cli = join(packageRoot, 'dist', 'src', 'cli.js');
  const installed = packageRoot.split(/[\\/]/).includes('node_modules');
  if (!installed && realpathOrSame(argv1) === realpathOrSame(cli) && argv1.endsWith('cli.js'))
    return `node ${shellQuote(relative(cwd, argv1) || argv1)}`;
  return 'openphone-import';
}

export interface RunArgsForHint {
  readonly config: string;
  readonly input: string;
  /** Undefined: the next runs name none (this one's would start a second job beside another: job/job-beside.ts). */
  readonly stateDir?: string | undefined;
  readonly baseUrl?: string | undefined;
  /** Flags that change which records go where: the next run needs them as much as this one did. */
  readonly matchExisting?: string | undefined;
  readonly onExisting?: string | undefined;
  readonly onChanged?: string | undefined;
  readonly requirePhone?: boolean | undefined;
  /** The dry run previewed what --verify would find: the import it names verifies too. */
  readonly verify?: boolean | undefined;
}

/** The flags of this run that the next run must repeat, as typed. */
function carriedFlags(args: RunArgsForHint): string[] {
  return [
    ...(args.matchExisting !== undefined ? ['--match-existing', shellQuote(args.matchExisting)] : []),
    ...(args.onExisting !== undefined && args.onExisting !== 'skip' ? ['--on-existing', args.onExisting] : []),
    ...(args.onChanged !== undefined && args.onChanged !== 'update' ? ['--on-changed', args.onChanged] : []),
    ...(args.requirePhone === true ? ['--require-phone'] : []),
    ...(args.verify === true ? ['--verify'] : []),
  ];
}

/** The commands to paste next, after a dry run or an import, exactly as this one was started. */
export function nextStepList(summary: Summary, args: RunArgsForHint, prefix = invokedAs()): NextStep[] {
  const base = (input: string, extra: string[] = []) =>
    [
      prefix,
      'run',
      '--config',
      shellQuote(args.config),
      '--input',
      shellQuote(input),
      ...(args.stateDir !== undefined ? ['--state-dir', shellQuote(args.stateDir)] : []),
      ...(args.baseUrl ? ['--base-url', shellQuote(args.baseUrl)] : []),
      ...carriedFlags(args),
      ...extra,
    ].join(' ');
  const c = summary.counts;
  const reports = summary.reportDir ?? summary.stateDir;
  // A vCard input's failed cards are fixed in failures.vcf, in an address book app or an editor.
  const fixFile = summary.failedCards !== undefined ? STATE_FILES.failedCards : STATE_FILES.failures;
  /** What a person fixes there: a vCard file holds cards, not rows. */
  const items = summary.failedCards !== undefined || /\.vcf$/i.test(args.input) ? 'cards' : 'rows';
  const steps: NextStep[] = [];
  if (summary.mode === 'dry-run') {
    // The check of the fixed rows reads the file the person fixed; its reports go elsewhere (dryRunReportDir), never over it.
    if (c.failed + c.duplicate > 0)
      steps.push({
        what: `fix the ${items} in ${reports}/${fixFile}, then check them`,
        command: base(join(reports, fixFile), ['--dry-run']),
      });
    const fixedRows = isFailureReportName(args.input);
    steps.push({
      what: `next, import${fixedRows ? ` these ${items} (after the rest of the export)` : ''} (OPENPHONE_API_KEY set)`,
      command: base(args.input),
    });
    return steps;
  }
  if (summary.stoppedEarly || summary.abortedBecause) steps.push({ what: 'to continue', command: base(args.input) });
  if (c.failed + c.duplicate > 0)
    steps.push({ what: `fix the ${items} in ${reports}/${fixFile}, then`, command: base(join(reports, fixFile)) });
  // The decisions a person writes in review.csv are carried out by a run of that very file.
  if (c.review > 0)
    steps.push({
      what: `decide each row of ${reports}/${STATE_FILES.review} (its decision column: adopt CONTACT_ID, create or skip), then`,
      command: base(join(reports, STATE_FILES.review)),
    });
  return steps;
}

/** The same, as the lines printed after the summary. */
export function nextSteps(summary: Summary, args: RunArgsForHint, prefix = invokedAs()): string[] {
  return nextStepList(summary, args, prefix).map((s) => `  ${s.what}: ${s.command}`);
}
