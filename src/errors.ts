/**
 * One error base class with a stable `code` and the exit status it maps to.
 * Only the CLI turns these into process exit codes; anything that is not an
 * ImportError reaching the top is a bug in this program and is reported as one
 * (exit 70, with the stack).
 */
export const ExitCode = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  aborted: 3,
  stoppedEarly: 4,
  /** A bug in this program (EX_SOFTWARE): anything thrown that is not an ImportError. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means, in one sentence: --help, report.html and the README's table say it in these words (a test holds the README to them). */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: 'every record created, updated, adopted or unchanged (a dry run: every record valid)',
  1: 'finished; some records failed, were duplicates or wait for review: see failures.csv and review.csv',
  2: 'a usage or config error: nothing was sent',
  3: 'aborted, needs a person: the key refused, a job-wide refusal, the API down, a full disk, or the lock held by another run',
  4: 'stopped early on purpose: run the same command again to continue',
  70: 'an internal error: a bug in openphone-import; please report it with the message',
};

/** What to do about an error, apart from what is wrong (pnpm's PnpmError(code, message, { hint }) shape). */
export interface ErrorDetails {
  readonly hint?: string;
}

/**
 * A user's or the environment's error: a stable `code` for programs, a
 * `message` that says what is wrong (the file, line, config path, the value
 * found and what was expected), and, apart, a `hint` that says what to do.
 * The CLI prints the hint on its own line and JSON logs carry it as a field.
 */
export class ImportError extends Error {
  readonly hint: string | undefined;
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** Bad flags, config or input header: nothing was sent. Exit 2. */
export class UsageError extends ImportError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, message, ExitCode.usage, details);
  }
}

/** The job cannot go on and needs a person (auth rejected, lock held, the API down, a full disk). Exit 3. Not named AbortError: that is the platform's name for a cancelled operation. */
export class JobAbortedError extends ImportError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, message, ExitCode.aborted, details);
  }
}
