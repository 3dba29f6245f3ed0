import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { ApiClient } from './api/client.js';
import type { ResolvedConfig } from './config/resolved.js';
import { indexHeader } from './csv/header.js';
import { openCsv } from './csv/read-csv.js';
import { JobAbortedError, ExitCode } from './errors.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION } from './journal/events.js';
import { JournalWriter } from './journal/journal-writer.js';
import { replayJournal, type ResumeState } from './journal/replay.js';
import { acquireRunLock } from './journal/run-lock.js';
import { checkExternalIdDefinition, describeExternalId } from './journal/external-id-check.js';
import { checkTarget, describeTarget, type Target } from './journal/target.js';
import type { Log } from './log.js';
import { Classifier, type ValidRecord } from './pipeline/classify.js';
import { Counts } from './report/counts.js';
import { writeCreatedReport } from './report/created-report.js';
import { FailuresReport } from './report/failures-report.js';
import { ensurePrivateDir, statePath, writePrivateFile } from './report/private-files.js';
import { type ProgressSink } from './report/progress.js';
import { countLines } from './util/count-lines.js';
import { buildSummary, completedExitCode, runFacts, type Summary } from './report/summary.js';
import { LookupBatcher } from './send/lookup.js';
import { RateLimiter, realClock, type Clock } from './send/rate-limiter.js';
import { RequestStats } from './send/request-stats.js';
import { RefusalBreaker, type Trip } from './send/refusal-breaker.js';
import { sendRecord, type SendContext, type SendOutcome } from './send/send-record.js';
import { checkCreatedByUser, checkWorkspace } from './send/workspace-check.js';
import { gotTransport, type Transport } from './send/transport.js';

export interface ImportOptions {
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly apiKey: string;
  readonly log: Log;
  /** Overrides config api.baseUrl. */
  readonly baseUrl?: string;
  readonly maxRows?: number;
  readonly maxDurationMs?: number;
  /**
   * What to do when the workspace already has a contact with a record's
   * externalId (made before this job): leave it ('skip', counted as already
   * done) or PATCH it ('update'). Default 'skip'.
   */
  readonly onExisting?: 'skip' | 'update';
  /** The key differs from the one the state directory was made with, but the workspace is the same (a rotated key). */
  readonly sameWorkspace?: boolean;
  /** Aborted by the CLI on SIGINT/SIGTERM. */
  readonly stop?: AbortSignal;
  /** How long requests on their way may take to finish once the job stops. */
  readonly graceMs?: number;
  /** Called about once a second and at the end with where the job stands. */
  readonly progress?: ProgressSink;
  /** Records refused in a row with one code before the job stops as a job-wide refusal (default 10). */
  readonly refusalStreak?: number;
  /** The API counts as down after this many failed requests in a row over at least this long (default 20 over 30 s). */
  readonly breaker?: { readonly failures: number; readonly quietMs: number };
  /** Injected in tests; the real one is got. */
  readonly transport?: Transport;
  readonly clock?: Clock;
  readonly random?: () => number;
}

const bodyHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);

interface Wiring {
  readonly api: ApiClient;
  readonly stats: RequestStats;
  readonly stopping: AbortController;
  readonly cutInFlight: AbortController;
}

/**
 * The import: read → map → validate → skip what is done → send (rate limit,
 * concurrency, retry, lookup when needed) → record → report. Resumable at any
 * point: the journal says which externalIds exist, and an attempt with no
 * outcome is looked up before it is sent again.
 */
export async function importJob(options: ImportOptions): Promise<Summary> {
  const { config, input, stateDir, log } = options;
  const startedAt = new Date();
  const baseUrl = (options.baseUrl ?? config.api.baseUrl).replace(/\/+$/, '');
  const target: Target = describeTarget(baseUrl, options.apiKey);

  const csv = await openCsv(input, config.csv);
  const header = indexHeader(csv.header, config.columnUses, input);
  ensurePrivateDir(stateDir);
  const releaseLock = acquireRunLock(stateDir, log);
  const journalPath = statePath(stateDir, 'journal');
  let journal: JournalWriter | undefined;
  try {
    const past = await replayJournal(journalPath);
    if (past.repairedBytes > 0) log.warn(`${journalPath}: cut ${past.repairedBytes} bytes of a line torn by a crash; its record will be checked by lookup`);
    if (past.header && past.header.mappingHash !== config.mappingHash) {
      log.warn(`${journalPath} was written with a different mapping config; contacts already created are still skipped by externalId`);
    }
    // Before a request: the state must belong to this API and key, and name records as the config does (exit 2 otherwise).
    const rebind = checkTarget(past, target, journalPath, options.sameWorkspace ?? false);
    checkExternalIdDefinition(past.header, config.externalId, journalPath, config.file);
    const w = wire(options, baseUrl);
    // Before anything is sent or written: the key is accepted and the config fits the workspace.
    // A stop that comes before or during these (a slow API, a big journal) ends the run here.
    const refused = options.stop?.aborted ? undefined : await startupChecks(config, baseUrl, w.api, options.stop);
    let result: RunResult;
    if (options.stop?.aborted) {
      result = { counts: new Counts(), stoppedEarly: 'stopped by a signal during start-up' };
    } else if (refused !== undefined) {
      result = { counts: new Counts(), aborted: refused };
    } else {
      journal = new JournalWriter(
        journalPath,
        past.header ? undefined : { t: 'header', format: JOURNAL_FORMAT, version: JOURNAL_VERSION, mappingHash: config.mappingHash, baseUrl, keyFingerprint: target.keyFingerprint, externalIdDefinition: describeExternalId(config.externalId), createdAt: startedAt.toISOString() },
      );
      if (rebind) {
        log.warn(`${journalPath}: now bound to ${target.baseUrl} with the key ${target.keyFingerprint} (--same-workspace)`);
        journal.append({ t: 'target', baseUrl: target.baseUrl, keyFingerprint: target.keyFingerprint, at: startedAt.toISOString() });
      }
      journal.append({ t: 'run', event: 'start', at: startedAt.toISOString(), pid: process.pid, input });
      result = await run({ ...options, csv, header, past, w, journal });
      journal.flush();
    }

    const finishedAt = new Date();
    const sendingSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    const exitCode = result.aborted ? ExitCode.aborted : result.stoppedEarly ? ExitCode.stoppedEarly : completedExitCode(result.counts);
    const summary = buildSummary(
      {
        ...runFacts('import', input, config.file, stateDir, startedAt, finishedAt),
        exitCode,
        ...(result.stoppedEarly && { stoppedEarly: result.stoppedEarly }),
        ...(result.aborted && { abortedBecause: result.aborted }),
        requests: w.stats.toJSON(),
        achievedRate: sendingSeconds > 0 ? w.stats.requests / sendingSeconds : 0,
      },
      result.counts,
    );
    if (journal !== undefined) await writeCreatedReport(journalPath, statePath(stateDir, 'created'));
    await writePrivateFile(statePath(stateDir, 'summary'), `${JSON.stringify(summary, null, 2)}\n`);
    journal?.append({ t: 'run', event: 'end', at: finishedAt.toISOString(), pid: process.pid, exitCode, counts: summary.counts });
    return summary;
  } finally {
    // A journal that could not be written (a full disk) is the error that counts, and the lock is released whatever happens.
    try {
      journal?.close();
    } finally {
      releaseLock();
    }
  }
}

function wire(options: ImportOptions, baseUrl: string): Wiring {
  const { config } = options;
  const stats = new RequestStats();
  const stopping = new AbortController();
  const cutInFlight = new AbortController();
  // Every request on its way listens to this signal; there may be hundreds.
  setMaxListeners(0, cutInFlight.signal);
  const api = new ApiClient({
    transport: options.transport ?? gotTransport(baseUrl, options.apiKey, config.api.timeoutMs, config.api.concurrency * 2 + 2),
    limiter: new RateLimiter(config.api.requestsPerSecond, options.clock ?? realClock),
    stats,
    retry: config.api.retry,
    clock: options.clock ?? realClock,
    random: options.random ?? Math.random,
    stopping: stopping.signal,
    cutInFlight: cutInFlight.signal,
    // The server gets as long again as the client waited: it may still be storing it.
    settleMs: 2 * config.api.timeoutMs,
    ...(options.breaker && { breaker: options.breaker }),
  });
  return { api, stats, stopping, cutInFlight };
}

/** The key is accepted, the custom fields fit, createdByUserId is a user. Returns why the job aborts (exit 3); a misfit config throws (exit 2). */
async function startupChecks(config: ResolvedConfig, baseUrl: string, api: ApiClient, stop?: AbortSignal): Promise<string | undefined> {
  try {
    await checkWorkspace(config, baseUrl, api, stop);
    await checkCreatedByUser(config, baseUrl, api, stop);
    return undefined;
  } catch (err) {
    if (err instanceof JobAbortedError) return err.message;
    throw err;
  }
}

interface RunInput extends ImportOptions {
  readonly csv: Awaited<ReturnType<typeof openCsv>>;
  readonly header: ReturnType<typeof indexHeader>;
  readonly past: ResumeState;
  readonly w: Wiring;
  readonly journal: JournalWriter;
}

interface RunResult {
  readonly counts: Counts;
  readonly stoppedEarly?: string;
  readonly aborted?: string;
}

async function run(o: RunInput): Promise<RunResult> {
  const failures = new FailuresReport(statePath(o.stateDir, 'failures'), o.header, o.csv.delimiter);
  try {
    return await runWith(o, failures);
  } catch (err) {
    // No half failures.csv replaces the last whole one.
    failures.discard();
    throw err;
  }
}

async function runWith(o: RunInput, failures: FailuresReport): Promise<RunResult> {
  const { config, past, w } = o;
  const { stopping, cutInFlight } = w;
  const ctx: SendContext = { api: w.api, journal: o.journal, lookup: new LookupBatcher(w.api), onExisting: o.onExisting ?? 'skip' };
  let aborted: string | undefined;
  /** A 401: everything stops, nothing more is sent. Anything else is rethrown. */
  const abortWith = (err: unknown) => {
    if (!(err instanceof JobAbortedError)) throw err;
    aborted ??= err.message;
    stopping.abort();
    cutInFlight.abort();
  };
  const counts = new Counts();
  const classifier = new Classifier(config, o.header, o.csv.encoding);
  let stoppedEarly: string | undefined;
  /** Stops reading; and unless `drain`, starts no new attempt either. */
  let stopReading = false;
  const stop = (why: string, drain = false) => {
    stoppedEarly ??= why;
    stopReading = true;
    if (drain || stopping.signal.aborted) return;
    stopping.abort();
    // Requests already on their way get a grace period, then are cut (their records stay in doubt).
    setTimeout(() => cutInFlight.abort(), o.graceMs ?? 5000).unref();
  };
  const onSignal = () => stop('stopped by a signal');
  o.stop?.addEventListener('abort', onSignal);
  if (o.stop?.aborted) onSignal();
  const deadline = o.maxDurationMs === undefined ? undefined : setTimeout(() => stop(`--max-duration reached`), o.maxDurationMs);
  deadline?.unref();

  const ticker = startProgress(o, counts, w.stats);

  const breaker = new RefusalBreaker(o.refusalStreak);
  const record = (rec: ValidRecord, hash: string, outcome: SendOutcome) => {
    if (outcome.kind === 'failed') {
      counts.add('failed', [outcome.code]);
      failures.add(rec.fields, rec.line, [{ code: outcome.code, line: rec.line, message: `${outcome.message}${outcome.retryable ? ' (retryable: a rerun tries it again)' : ''}` }]);
      if (!outcome.retryable && outcome.code.startsWith('API_4')) {
        const trip = breaker.refused({ externalId: rec.externalId, line: rec.line, code: outcome.code, message: outcome.message, bodyHash: hash });
        if (trip !== undefined) onJobWideRefusal(trip);
      }
    } else if (outcome.kind === 'notSent' || outcome.kind === 'inDoubt') {
      counts.add(outcome.kind);
    } else {
      counts.add(outcome.kind === 'existing' ? 'alreadyDone' : outcome.kind);
      breaker.success();
    }
  };
  /** Not the records' fault: none stays failed for good (a rerun sends them), and the job stops for a person. */
  const onJobWideRefusal = (trip: Trip) => {
    for (const r of trip.refused) {
      o.journal.append({ t: 'failed', id: r.externalId, line: r.line, code: r.code, message: `${r.message} (a job-wide refusal: sent again on the next run)`, retryable: true, body: r.bodyHash });
    }
    abortWith(new JobAbortedError('JOB_WIDE_REFUSAL', trip.message));
  };

  const concurrency = config.api.concurrency;
  const limit = pLimit(concurrency);
  const inFlight = new Set<Promise<void>>();
  const send = (rec: ValidRecord, hash: string) =>
    limit(async () => {
      let outcome: SendOutcome = { kind: 'notSent' };
      try {
        // An update left in doubt is not a create of ours: its 409 is answered by updating again.
        const inDoubt = past.inDoubt.has(rec.externalId) && !past.updatesInDoubt.has(rec.externalId);
        const attemptedAt = past.attemptedAt.get(rec.externalId);
        if (!stopping.signal.aborted) outcome = await sendRecord(ctx, { externalId: rec.externalId, line: rec.line, body: rec.payload, bodyHash: hash, inDoubt, ...(attemptedAt !== undefined && { attemptedAt }) });
      } catch (err) {
        abortWith(err);
      }
      record(rec, hash, outcome);
    });

  let rowsThisRun = 0;
  for await (const item of o.csv.items) {
    if (stopReading || stopping.signal.aborted) break;
    if (o.maxRows !== undefined && rowsThisRun >= o.maxRows) {
      // The records already read are finished; the rest wait for the next run.
      stop(`--max-rows ${o.maxRows} reached`, true);
      break;
    }
    counts.read++;
    if (classifier.skipIfDone(item, (id) => past.created.has(id)) !== undefined) {
      counts.add('alreadyDone');
      continue;
    }
    const result = classifier.classify(item);
    if (result.kind === 'rejected') {
      counts.add(result.bucket, result.problems.map((p) => p.code));
      failures.add(result.fields, result.line, result.problems, result.raw);
      await failures.pace();
      continue;
    }
    const hash = bodyHash(result.payload);
    const before = past.failed.get(result.externalId);
    if (before !== undefined && !before.retryable && before.body === hash) {
      // Failed for good last time with this very body: sending it again would fail again.
      counts.add('failed', [before.code]);
      failures.add(result.fields, result.line, [{ code: before.code, line: result.line, message: `${before.message} (unchanged since an earlier run: fix the record to send it again)` }]);
      continue;
    }
    rowsThisRun++;
    const tracked = send(result, hash).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    // Reading runs a little ahead of sending, no further: memory stays flat.
    while (inFlight.size >= concurrency * 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  ticker.stop();
  clearTimeout(deadline);
  o.stop?.removeEventListener('abort', onSignal);
  await failures.commit();
  return { counts, ...(stoppedEarly !== undefined && !aborted && { stoppedEarly }), ...(aborted !== undefined && { aborted }) };
}

/** The progress line: about once a second, and once more at the end. */
function startProgress(o: RunInput, counts: Counts, stats: RequestStats): { stop(): void } {
  if (o.progress === undefined) return { stop: () => {} };
  const progress = o.progress;
  let total: number | undefined;
  void countLines(o.input).then(
    (lines) => (total = Math.max(0, lines - 1)),
    () => undefined,
  );
  const startedAt = Date.now();
  const report = (final: boolean) =>
    progress(
      {
        done: counts.accounted,
        ...(total !== undefined && { total }),
        created: counts.buckets.created,
        alreadyDone: counts.buckets.alreadyDone,
        failed: counts.buckets.failed,
        duplicate: counts.buckets.duplicate,
        retries: stats.retries,
        rateLimited: stats.rateLimited,
        requests: stats.requests,
        elapsedMs: Date.now() - startedAt,
      },
      final,
    );
  const ticker = setInterval(() => report(false), 1000);
  ticker.unref();
  return {
    stop: () => {
      clearInterval(ticker);
      report(true);
    },
  };
}
