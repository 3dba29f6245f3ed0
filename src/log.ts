/** Where the job's messages go: stderr in the CLI, a list in tests. Reports go to files. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLog: Log = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
};

export const silentLog: Log = { info: () => {}, warn: () => {} };

/** Log lines as JSON objects, one a line, for log collectors (--log-format json). */
export const jsonLog: Log = {
  info: (m) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message: m })}\n`),
  warn: (m) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', message: m })}\n`),
};
