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

export class ImportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, config or input header: nothing was sent. Exit 2. */
export class UsageError extends ImportError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.usage);
  }
}

/** The job cannot go on and needs a person (auth rejected, lock held, the API down, a full disk). Exit 3. Not named AbortError: that is the platform's name for a cancelled operation. */
export class JobAbortedError extends ImportError {
  constructor(code: string, message: string) {
    super(code, message, ExitCode.aborted);
  }
}
