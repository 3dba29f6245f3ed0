/** Where the job's messages go: stderr in the CLI, a list in tests. Reports go to files. */
export interface Log {
  info(message: string): void;
  /** A warning: `code` is stable, for programs (--log-format json carries it; the text shows only the message). */
  warn(message: string, code: string): void;
}

export const stderrLog: Log = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
};

export const silentLog: Log = { info: () => {}, warn: () => {} };

/** One JSON log line (time, level, then `fields`), as log collectors read them. */
export const jsonLogLine = (level: 'info' | 'warn' | 'error', fields: Record<string, unknown>): string =>
  `${JSON.stringify({ time: new Date().toISOString(), level, ...fields })}\n`;

/** Log lines as JSON objects, one a line, for log collectors (--log-format json). */
export const jsonLog: Log = {
  info: (m) => process.stderr.write(jsonLogLine('info', { message: m })),
  warn: (m, code) => process.stderr.write(jsonLogLine('warn', { code, message: m })),
};
