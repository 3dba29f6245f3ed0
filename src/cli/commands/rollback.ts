import { apiKeyFrom } from '../../api/api-key.js';
import { checkBaseUrl } from '../../api/base-url.js';
import { UsageError } from '../../errors.js';
import { stderrLog } from '../../log.js';
import { formatRollback, rollback } from '../../rollback/rollback.js';
import { invokedAs } from '../next-command.js';
import { shellQuote } from '../../util/shell-quote.js';
import { stopOnSignals } from '../stop-on-signals.js';

/** `rollback`: the contacts the job created, deleted (with --yes), or listed. */
export async function rollbackCommand(a: {
  stateDir: string;
  yes: boolean;
  baseUrl?: string | undefined;
}): Promise<number> {
  const apiKey = apiKeyFrom(process.env.OPENPHONE_API_KEY);
  if (apiKey === undefined)
    throw new UsageError(
      'API_KEY_MISSING',
      'no API key: OPENPHONE_API_KEY is not set (the key is never taken as a flag)',
      { hint: 'set OPENPHONE_API_KEY to the key the job imported with' },
    );
  if (a.baseUrl !== undefined) checkBaseUrl(a.baseUrl, '--base-url', stderrLog);
  const stop = stopOnSignals((name) =>
    stderrLog.warn(`${name}: stopping: no new deletes are sent; the same command continues`, 'STOPPING'),
  );
  try {
    const summary = await rollback({
      stateDir: a.stateDir,
      apiKey,
      log: stderrLog,
      yes: a.yes,
      stop: stop.signal,
      ...(a.baseUrl !== undefined && { baseUrl: a.baseUrl }),
    });
    const again = [
      invokedAs(),
      'rollback',
      '--state-dir',
      shellQuote(a.stateDir),
      ...(a.baseUrl ? ['--base-url', shellQuote(a.baseUrl)] : []),
      '--yes',
    ].join(' ');
    process.stdout.write(
      `${formatRollback(summary)}${summary.mode === 'rollback-preview' || summary.exitCode !== 0 ? `\n  next: ${again}` : ''}\n`,
    );
    return summary.exitCode;
  } finally {
    stop.dispose();
  }
}
