import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { ResolvedConfig } from './config/resolved.js';
import { indexHeader } from './csv/header.js';
import { openCsv } from './csv/read-csv.js';
import { AbortError, ExitCode } from './errors.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION } from './journal/events.js';
import { JournalWriter } from './journal/journal-writer.js';
import { replayJournal, type ResumeState } from './journal/replay.js';
import { acquireRunLock } from './journal/run-lock.js';
import type { Log } from './log.js';
import { Classifier, type ValidRecord } from './pipeline/classify.js';
import { Counts } from './report/counts.js';
import { writeCreatedReport } from './report/created-report.js';
import { FailuresReport } from './report/failures-report.js';
import { ensurePrivateDir, writePrivateFile } from './report/private-files.js';
import { type ProgressSink } from './report/progress.js';
import { countLines } from './util/count-lines.js';
import { buildSummary, completedExitCode, runFacts, type Summary } from './report/summary.js';
import { LookupBatcher, LookupFailed, LOOKUP_BATCH } from './send/lookup.js';
import { RateLimiter, realClock, type Clock } from './send/rate-limiter.js';
import { RequestStats } from './send/request-stats.js';
import { resolveUnknown, sendRecord, updateRecord, type SendContext, type SendOutcome } from './send/send-record.js';
import { checkWorkspace } from './send/workspace-check.js';
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
  /** Aborted by the CLI on SIGINT/SIGTERM. */
  readonly stop?: AbortSignal;
  /** How long requests on their way may take to finish once the job stops. */
  readonly graceMs?: number;
  /** Called about once a second and at the end with where the job stands. */
  readonly progress?: ProgressSink;
  /** Injected in tests; the real one is got. */
  readonly transport?: Transport;
  readonly clock?: Clock;
  readonly random?: () => number;
}

const bodyHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 16);

/**
 * The import: read → map → validate → skip what is done → send (rate limit,
 * concurrency, retry, lookup) → record → report. Resumable at any point: the
 * journal says which externalIds exist, and an attempt with no outcome is
 * looked up before anything is sent again.
 */
export async function importJob(options: ImportOptions): Promise<Summary> {
  const { config, input, stateDir, log } = options;
  const startedAt = new Date();
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const baseUrl = (options.baseUrl ?? config.api.baseUrl).replace(/\/+$/, '');

  const csv = await openCsv(input, config.csv);
  const header = indexHeader(csv.header, config.columnUses, input);
  ensurePrivateDir(stateDir);
  const releaseLock = acquireRunLock(stateDir, log);
  const journalPath = join(stateDir, 'journal.jsonl');
  let journal: JournalWriter | undefined;
  try {
    const past = await replayJournal(journalPath);
    if (past.repairedBytes > 0) log.warn(`${journalPath}: cut ${past.repairedBytes} bytes of a line torn by a crash; its record will be checked by lookup`);
    if (past.header && past.header.mappingHash !== config.mappingHash) {
      log.warn(`${journalPath} was written with a different mapping config; contacts already created are still skipped by externalId`);
    }
    journal = new JournalWriter(
      journalPath,
      past.header ? undefined : { t: 'header', format: JOURNAL_FORMAT, version: JOURNAL_VERSION, mappingHash: config.mappingHash, baseUrl, createdAt: startedAt.toISOString() },
    );
    journal.append({ t: 'run', event: 'start', at: startedAt.toISOString(), pid: process.pid, input });

    const stats = new RequestStats();
    const limiter = new RateLimiter(config.api.requestsPerSecond, clock);
    const transport = options.transport ?? gotTransport(baseUrl, options.apiKey, config.api.timeoutMs, config.api.concurrency * 2 + 2);
    const stopping = new AbortController();
    const cutInFlight = new AbortController();
    // Every request on its way listens to this signal; there may be hundreds.
    setMaxListeners(0, cutInFlight.signal);
    const ctx: SendContext = {
      transport,
      limiter,
      journal,
      lookup: new LookupBatcher(transport, limiter, stats, config.api.retry, clock, random),
      stats,
      retry: config.api.retry,
      clock,
      random,
      stopping: stopping.signal,
      cutInFlight: cutInFlight.signal,
      // As long again as the client waited, at most 10 s.
      settleAfterTimeoutMs: Math.min(config.api.timeoutMs, 10_000),
    };
    const result = await run({ ...options, csv, header, past, ctx, stopping, cutInFlight, journal, clock });

    journal.flush();
    const finishedAt = new Date();
    const sendingSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
    const exitCode = result.aborted ? ExitCode.aborted : result.stoppedEarly ? ExitCode.stoppedEarly : completedExitCode(result.counts);
    const summary = buildSummary(
      {
        ...runFacts('import', input, config.file, stateDir, startedAt, finishedAt),
        exitCode,
        ...(result.stoppedEarly && { stoppedEarly: result.stoppedEarly }),
        ...(result.aborted && { abortedBecause: result.aborted }),
        requests: stats.toJSON(),
        achievedRate: sendingSeconds > 0 ? stats.requests / sendingSeconds : 0,
      },
      result.counts,
    );
    await writeCreatedReport(journalPath, join(stateDir, 'created.csv'));
    await writePrivateFile(join(stateDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    journal.append({ t: 'run', event: 'end', at: finishedAt.toISOString(), pid: process.pid, exitCode, counts: summary.counts });
    return summary;
  } finally {
    journal?.close();
    releaseLock();
  }
}

interface RunInput extends ImportOptions {
  readonly csv: Awaited<ReturnType<typeof openCsv>>;
  readonly header: ReturnType<typeof indexHeader>;
  readonly past: ResumeState;
  readonly ctx: SendContext;
  readonly stopping: AbortController;
  readonly cutInFlight: AbortController;
  readonly journal: JournalWriter;
  readonly clock: Clock;
}

async function run(o: RunInput): Promise<{ counts: Counts; stoppedEarly?: string; aborted?: string }> {
  const { config, past, ctx, stopping, cutInFlight, log } = o;
  const onExisting = o.onExisting ?? 'skip';
  let aborted: string | undefined;
  /** A 401 or an unreachable API: everything stops, nothing more is sent. Anything else is rethrown. */
  const abortWith = (err: unknown) => {
    if (!(err instanceof AbortError)) throw err;
    aborted ??= err.message;
    stopping.abort();
    cutInFlight.abort();
  };
  // Before anything is sent or written: the config must fit the workspace (exit 2 otherwise).
  try {
    await checkWorkspace(config, o.baseUrl ?? config.api.baseUrl, ctx.transport, ctx.limiter, ctx.stats);
  } catch (err) {
    abortWith(err);
  }
  const counts = new Counts();
  const failures = new FailuresReport(join(o.stateDir, 'failures.csv'), o.header, o.csv.delimiter);
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
  const deadline = o.maxDurationMs === undefined ? undefined : setTimeout(() => stop(`--max-duration reached`), o.maxDurationMs);
  deadline?.unref();

  try {
    // With --on-existing update, a record left in doubt is looked up like any other and then PATCHed.
    if (!aborted && onExisting === 'skip') await resolveInDoubt(o, log);
  } catch (err) {
    abortWith(err);
  }

  let total: number | undefined;
  if (o.progress) {
    void countLines(o.input).then(
      (lines) => (total = Math.max(0, lines - 1)),
      () => undefined,
    );
  }
  const startedAt = Date.now();
  const report = (final: boolean) =>
    o.progress?.(
      {
        done: counts.accounted,
        ...(total !== undefined && { total }),
        created: counts.buckets.created,
        alreadyDone: counts.buckets.alreadyDone,
        failed: counts.buckets.failed,
        duplicate: counts.buckets.duplicate,
        retries: ctx.stats.retries,
        rateLimited: ctx.stats.rateLimited,
        requests: ctx.stats.requests,
        elapsedMs: Date.now() - startedAt,
      },
      final,
    );
  const ticker = o.progress ? setInterval(() => report(false), 1000) : undefined;
  ticker?.unref();

  const limit = pLimit(config.api.concurrency);
  const inFlight = new Set<Promise<void>>();
  // Before creating, every record's externalId is looked up in the workspace,
  // 50 to a request. Reading runs ahead far enough that the next batch's lookup
  // is done before the sends of the current one run out (else the limiter idles
  // for a lookup's latency at every batch); beyond that the CSV stream stays
  // paused, so memory stays flat.
  const maxQueued = LOOKUP_BATCH * 2 + config.api.concurrency * 2;
  let batch: { rec: ValidRecord; hash: string }[] = [];
  let lookupsPending = 0;

  const record = (rec: ValidRecord, outcome: SendOutcome) => {
    if (outcome.kind === 'created') counts.add('created');
    else if (outcome.kind === 'updated') counts.add('updated');
    else if (outcome.kind === 'notSent') counts.add('notSent');
    else {
      counts.add('failed', [outcome.code]);
      failures.add(rec.fields, rec.line, [{ code: outcome.code, line: rec.line, message: `${outcome.message}${outcome.retryable ? ' (retryable: a rerun tries it again)' : ''}` }]);
    }
  };

  /** `existing`: the contact id found by the lookup; undefined: none; null: the lookup failed. */
  const send = (rec: ValidRecord, hash: string, existing: string | null | undefined) =>
    limit(async () => {
      if (typeof existing === 'string' && onExisting === 'skip') {
        ctx.journal.append({ t: 'created', id: rec.externalId, cid: existing, line: rec.line, how: 'existing' });
        counts.add('alreadyDone');
        return;
      }
      let outcome: SendOutcome;
      try {
        outcome =
          typeof existing === 'string'
            ? await updateRecord(ctx, rec.externalId, existing, rec.line, rec.payload, hash)
            : // A failed lookup leaves the record as if in doubt: sendRecord looks it up again first.
              await sendRecord(ctx, rec.externalId, rec.line, rec.payload, hash, existing === null || past.inDoubt.has(rec.externalId));
      } catch (err) {
        abortWith(err);
        outcome = { kind: 'notSent' };
      }
      record(rec, outcome);
    });

  const track = (p: Promise<void>) => {
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const flushBatch = () => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    if (stopping.signal.aborted) {
      // Stopping: nothing more is asked of the API; these wait for the next run.
      for (const _ of items) counts.add('notSent');
      return;
    }
    track(
      (async () => {
        let found: (string | null | undefined)[];
        lookupsPending += items.length;
        try {
          found = await Promise.all(items.map((i) => ctx.lookup.find(i.rec.externalId).catch((err: unknown) => (err instanceof LookupFailed ? null : Promise.reject(err)))));
        } catch (err) {
          abortWith(err);
          for (const _ of items) counts.add('notSent');
          return;
        } finally {
          lookupsPending -= items.length;
        }
        await Promise.all(items.map((item, k) => send(item.rec, item.hash, found[k])));
      })(),
    );
  };

  // Records read and not yet finished: in the open batch, in lookups, or waiting for or in a send.
  const queued = () => batch.length + lookupsPending + limit.pendingCount + limit.activeCount;
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
    batch.push({ rec: result, hash });
    if (batch.length >= LOOKUP_BATCH) flushBatch();
    while (inFlight.size > 0 && queued() >= maxQueued) await Promise.race(inFlight);
  }
  flushBatch();
  await Promise.all(inFlight);
  clearInterval(ticker);
  report(true);
  clearTimeout(deadline);
  o.stop?.removeEventListener('abort', onSignal);
  await failures.commit();
  return { counts, ...(stoppedEarly !== undefined && !aborted && { stoppedEarly }), ...(aborted !== undefined && { aborted }) };
}

/** Attempts an earlier run left without an outcome: look them up before anything is sent. */
async function resolveInDoubt(o: RunInput, log: Log): Promise<void> {
  const ids = [...o.past.inDoubt.keys()];
  if (ids.length === 0) return;
  log.info(`checking ${ids.length} record(s) an earlier run left without a known outcome`);
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    // A batch at a time: the lookups of one batch share a request.
    await Promise.all(
      ids.slice(i, i + LOOKUP_BATCH).map(async (id) => {
        const line = o.past.inDoubt.get(id) ?? 0;
        const known = await resolveUnknown(o.ctx, id, line);
        // A failed lookup leaves it in doubt: its record is looked up again when sent.
        if (known.kind === 'lookupFailed') return;
        if (known.kind === 'created') o.past.created.set(id, line);
        o.past.inDoubt.delete(id);
      }),
    );
  }
}
