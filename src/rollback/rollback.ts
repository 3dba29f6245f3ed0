import type { Base } from '../sync/base.js';
import { normalizeBaseUrl } from '../api/base-url.js';
import type { ApiClient } from '../api/client.js';
import type { ApiSettings } from '../config/resolved.js';
import { API_DEFAULTS } from '../config/resolved.js';
import { ExitCode } from '../errors.js';
import { replayJournal } from '../journal/replay.js';
import type { ResumeState } from '../journal/fold-state.js';
import { acquireRunLock } from '../state/run-lock.js';
import { existingJournal } from '../state/state-dir.js';
import { checkTarget, describeTarget } from '../journal/target.js';
import type { Log } from '../log.js';
import { jobContacts, removedContacts, type JobContact } from '../ownership/created-by-job.js';
import { recreateRemoved, type RecreateResult } from './recreate.js';
import { deleteIfStillOurs, restoreIfUnchanged, type GuardedResult } from '../ownership/guarded-write.js';
import { readPriorStates } from '../ownership/prior-states.js';
import { proveOwnershipSharp } from '../ownership/prove-sharp.js';
import { AtomicPrivateFile, statePath, writePrivateFile } from '../state/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../csv/spreadsheet-safe.js';
import { LookupBatcher } from '../api/lookup.js';
import type { Transport } from '../api/transport.js';
import { jobApiClient } from '../job/job-api-client.js';
import { Runner, type RunEnd } from '../job/runner.js';
import { rollbackOutcomes } from './rollback-state.js';
import { type RollbackOutcome } from '../journal/events.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { baseOfRecord } from '../journal/line-reader.js';

export interface RollbackOptions {
  readonly stateDir: string;
  readonly apiKey: string;
  readonly log: Log;
  /** Without it, nothing is deleted or restored: the rollback says what it would do. */
  readonly yes: boolean;
  /** The API the job imported into (default: the one its journal names). */
  readonly baseUrl?: string;
  readonly api?: Partial<ApiSettings>;
  readonly stop?: AbortSignal;
  readonly graceMs?: number;
  readonly transport?: Transport;
}

export interface RollbackSummary {
  readonly mode: 'rollback' | 'rollback-preview';
  readonly stateDir: string;
  /** Contacts the job made, over all its runs (records the import left in doubt and the rollback proved the job's included). */
  readonly createdByJob: number;
  /** Contacts the workspace had that the job PATCHed or adopted: restored as they were. */
  readonly changedByJob: number;
  readonly deleted: number;
  readonly restored: number;
  /** Workspace contacts a delete of this job removed (an earlier version's --delete-missing), made again with new ids. */
  readonly recreated: number;
  /** Already gone: deleted by an earlier rollback run, or by someone else. */
  readonly alreadyGone: number;
  /** Changed by someone since the job's last write (or no longer carrying the record's externalId): listed in rollback.csv, left alone. */
  readonly changedSince: number;
  readonly failed: number;
  readonly notSent: number;
  /** Records the import left in doubt that the rollback could not settle (the lookup failed): a rerun tries again. */
  readonly inDoubt: number;
  readonly exitCode: number;
  readonly stoppedEarly?: string;
  readonly abortedBecause?: string;
  readonly abortHint?: string;
  readonly preview?: readonly string[];
  readonly requests?: Readonly<Record<string, number>>;
}

type Step = { readonly contact: JobContact; readonly action: 'delete' | 'restore' | 'recreate' };

/**
 * Undoes a job, from its journal, through the same API client, rate limit,
 * lock and stop handling as the import: resumable and killable. It deletes
 * the contacts the job made (ownership/created-by-job.ts), each only while it
 * still carries the record's externalId, and puts back the contacts the
 * workspace had that the job updated or adopted, each only while nobody
 * changed it since (the journal keeps them as they were). Records the import
 * left in doubt are settled first by a lookup and the ownership proof. What
 * cannot be proven the job's is listed in rollback.csv and left alone.
 */
export async function rollback(options: RollbackOptions): Promise<RollbackSummary> {
  const journalPath = existingJournal(options.stateDir);
  const releaseLock = acquireRunLock(options.stateDir, options.log);
  try {
    const past = await replayJournal(journalPath);
    const baseUrl = normalizeBaseUrl(
      options.baseUrl ?? past.target?.baseUrl ?? past.header?.baseUrl ?? API_DEFAULTS.baseUrl,
    );
    // Only the API and key the job imported with: another workspace's contacts are never touched.
    checkTarget(past, describeTarget(baseUrl, options.apiKey, past.header?.keySalt), journalPath, false);
    const settings: ApiSettings = { ...API_DEFAULTS, ...options.api, baseUrl };
    const runner = new Runner({ concurrency: settings.concurrency, graceMs: options.graceMs, signal: options.stop });
    const { api, stats } = jobApiClient(
      { api: settings, apiKey: options.apiKey, ...(options.transport && { transport: options.transport }) },
      baseUrl,
      runner,
    );
    // The rollback writes nothing before it proves: the import's calibration of the contacts' clock is its only one.
    if (past.clock !== undefined) api.serverClock.seed(past.clock);
    const contacts = new Map(jobContacts(journalPath, past).map((c) => [c.externalId, c]));
    const removed = removedContacts(journalPath, past);
    const unsettled = await settleInDoubt(api, past, contacts);
    const earlierOutcomes = rollbackOutcomes(past, statePath(options.stateDir, 'rollbackLog'));
    const steps = rollbackSteps(contacts, removed);
    const todo = steps.filter((s) => !earlierOutcomes.has(s.contact.contactId));
    // What an earlier rollback run did counts as what it was: a restore is restored, not "already gone".
    const earlier = { deleted: 0, restored: 0, recreated: 0, gone: 0, changedSince: 0 };
    for (const s of steps) {
      const outcome = earlierOutcomes.get(s.contact.contactId);
      if (outcome !== undefined) earlier[outcome]++;
    }
    const base = {
      stateDir: options.stateDir,
      createdByJob: steps.filter((s) => s.action === 'delete').length,
      changedByJob: steps.filter((s) => s.action !== 'delete').length,
      inDoubt: unsettled,
    };
    if (!options.yes) {
      await runner.finish();
      return previewOf(base, todo, earlier, (c) => nameOf(journalPath, past, c.externalId), stats);
    }
    // What the job last wrote to a contact: anything else it holds is someone's work, not the job's to undo.
    const written = (externalId: string) => baseOfRecord(journalPath, past.done, externalId);
    return await carryOut(options, api, runner, stats, todo, earlier, base, journalPath, written);
  } finally {
    releaseLock();
  }
}

/** What a rollback does to each contact of the job: delete what it made, restore what it changed, make again what an earlier version's --delete-missing removed. */
function rollbackSteps(contacts: Map<string, JobContact>, removed: readonly JobContact[]): Step[] {
  return [
    ...[...contacts.values()].flatMap((c): Step[] =>
      c.relation === 'created'
        ? [{ contact: c, action: 'delete' }]
        : c.relation === 'existing'
          ? []
          : [{ contact: c, action: 'restore' }],
    ),
    ...removed.map((c): Step => ({ contact: c, action: 'recreate' })),
  ];
}

/** rollback without --yes: what it would do, the first ten contacts named. */
function previewOf(
  base: Pick<RollbackSummary, 'stateDir' | 'createdByJob' | 'changedByJob' | 'inDoubt'>,
  todo: readonly Step[],
  earlier: Record<RollbackOutcome, number>,
  nameOfContact: (c: JobContact) => string,
  stats: { toJSON(): Record<string, number> },
): RollbackSummary {
  const deletes = todo.filter((s) => s.action === 'delete').length;
  const recreates = todo.filter((s) => s.action === 'recreate').length;
  return {
    ...base,
    mode: 'rollback-preview',
    deleted: 0,
    restored: earlier.restored,
    recreated: earlier.recreated,
    alreadyGone: earlier.deleted + earlier.gone,
    changedSince: earlier.changedSince,
    failed: 0,
    notSent: todo.length,
    exitCode: ExitCode.ok,
    preview: [
      `${deletes} to delete, ${todo.length - deletes} to restore${recreates > 0 ? ` (${recreates} of them deleted by an earlier version's --delete-missing: made again, with new ids)` : ''}`,
      ...todo
        .slice(0, 10)
        .map(
          (s) =>
            `line ${s.contact.line}: ${s.contact.externalId} (contact ${s.contact.contactId}${nameOfContact(s.contact)}): ${s.action}`,
        ),
    ],
    requests: stats.toJSON(),
  };
}

/** A contact's name and company as the job last wrote them (its base line in the journal), for the preview: ", Ada Lovelace, Acme", or nothing. */
function nameOf(journalPath: string, past: ResumeState, externalId: string): string {
  const f = baseOfRecord(journalPath, past.done, externalId)?.f;
  const name = [f?.firstName, f?.lastName].filter(Boolean).join(' ');
  return [name, f?.company]
    .filter(Boolean)
    .map((s) => `, ${s}`)
    .join('');
}

/**
 * Records the import left in doubt (a create sent, its answer lost, then a
 * kill): looked up, and the contact found counts as the job's only by the
 * ownership proof. Returns how many could not be settled.
 */
async function settleInDoubt(api: ApiClient, past: ResumeState, contacts: Map<string, JobContact>): Promise<number> {
  const open = [...past.inDoubt].filter(([id]) => !contacts.has(id) && !past.updatesInDoubt.has(id));
  if (open.length === 0) return 0;
  // Not before the server can no longer be storing them (as the import waits).
  const latest = Math.max(...open.map(([id]) => past.attemptedAt.get(id) ?? 0));
  await api.sleep(latest + api.settleMs - Date.now());
  const lookup = new LookupBatcher(api);
  let unsettled = 0;
  await Promise.all(
    open.map(async ([id, line]) => {
      const found = await lookup.find(id);
      if (found.kind === 'failed') return void unsettled++;
      const proof = await proveOwnershipSharp(api, found.contacts, past.attemptedAt.get(id), false);
      if (proof.kind === 'ours')
        contacts.set(id, { externalId: id, contactId: proof.contact.id, line, relation: 'created' });
      // Nothing of the import calibrated the clock: left alone, counted as not settled.
      else if (proof.kind === 'uncalibrated') unsettled++;
    }),
  );
  return unsettled;
}

async function carryOut(
  options: RollbackOptions,
  api: ApiClient,
  runner: Runner,
  stats: { toJSON(): Record<string, number> },
  todo: readonly Step[],
  earlier: Record<RollbackOutcome, number>,
  base: Pick<RollbackSummary, 'stateDir' | 'createdByJob' | 'changedByJob' | 'inDoubt'>,
  journalPath: string,
  written: (externalId: string) => Base | undefined,
): Promise<RollbackSummary> {
  const priors = await readPriorStates(journalPath, statePath(options.stateDir, 'prior'));
  // Each final outcome is journaled: a rerun does not touch that contact again, and status counts it.
  const log = new JournalWriter(journalPath, undefined);
  const report = new AtomicPrivateFile(statePath(options.stateDir, 'rollbackReport'));
  report.stream.write(`${UTF8_BOM}line,externalId,contactId,action,outcome,why\n`);
  const n: Tally = { deleted: 0, restored: 0, recreated: 0, gone: 0, changedSince: 0, failed: 0, notSent: 0 };
  const record = (s: Step, r: GuardedResult | RecreateResult) => recordStep(n, log, report, s, r);
  try {
    for (const s of todo) {
      if (!runner.keepReading) {
        n.notSent++;
        continue;
      }
      await runner.submit(async () => {
        try {
          const before = s.action !== 'delete' ? priors.get(s.contact.contactId)?.contact : undefined;
          if (s.action !== 'delete' && before === undefined)
            return record(s, {
              kind: 'changedSince',
              why: 'the journal has no state of it from before the job: cannot be restored',
            });
          const wrote = written(s.contact.externalId);
          record(
            s,
            s.action === 'delete'
              ? await deleteIfStillOurs(api, s.contact, wrote)
              : s.action === 'restore'
                ? await restoreIfUnchanged(api, s.contact, before!, wrote)
                : await recreateRemoved(api, s.contact, before!),
          );
        } catch (err) {
          runner.abort(err);
          n.notSent++;
        }
      });
      await report.pace();
    }
    const end = await runner.finish();
    await report.commit();
    const summary = rollbackSummary(base, earlier, n, end, stats);
    await writePrivateFile(statePath(options.stateDir, 'rollbackSummary'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } catch (err) {
    // No half rollback.csv replaces the last whole one; the journal already holds what is done.
    report.discard();
    throw err;
  } finally {
    log.close();
  }
}

/** What this rollback run did, by outcome. */
type Tally = Record<RollbackOutcome | 'failed' | 'notSent', number>;

/** A contact's outcome: counted; journaled when final (a rerun does not touch it again; a failure is tried again); a row of rollback.csv. */
function recordStep(
  n: Tally,
  log: JournalWriter,
  report: AtomicPrivateFile,
  s: Step,
  r: GuardedResult | RecreateResult,
): void {
  const c = s.contact;
  if (r.kind === 'notSent') return void n.notSent++;
  n[r.kind]++;
  if (r.kind !== 'failed')
    log.append({ t: 'rolledBack', id: c.externalId, cid: c.contactId, how: r.kind, at: new Date().toISOString() });
  const why =
    'why' in r
      ? r.why
      : r.kind === 'recreated'
        ? `made again with a new id, ${r.newId}: the deleted contact's id is gone for good`
        : '';
  report.stream.write(safeCsvRow([String(c.line), c.externalId, c.contactId, s.action, r.kind, why]));
}

/** The rollback's summary: this run's outcomes and an earlier run's, and its exit code. */
function rollbackSummary(
  base: Pick<RollbackSummary, 'stateDir' | 'createdByJob' | 'changedByJob' | 'inDoubt'>,
  earlier: Record<RollbackOutcome, number>,
  n: Tally,
  end: RunEnd,
  stats: { toJSON(): Record<string, number> },
): RollbackSummary {
  const exitCode = end.aborted
    ? ExitCode.aborted
    : end.stoppedEarly
      ? ExitCode.stoppedEarly
      : n.failed > 0 || base.inDoubt > 0
        ? ExitCode.someFailed
        : ExitCode.ok;
  return {
    ...base,
    mode: 'rollback',
    deleted: n.deleted,
    restored: earlier.restored + n.restored,
    recreated: earlier.recreated + n.recreated,
    alreadyGone: earlier.deleted + earlier.gone + n.gone,
    changedSince: earlier.changedSince + n.changedSince,
    failed: n.failed,
    notSent: n.notSent,
    exitCode,
    ...(end.stoppedEarly && { stoppedEarly: end.stoppedEarly }),
    ...(end.aborted && { abortedBecause: end.aborted }),
    ...(end.abortHint && { abortHint: end.abortHint }),
    requests: stats.toJSON(),
  };
}

export function formatRollback(s: RollbackSummary): string {
  if (s.mode === 'rollback-preview') {
    const [counts, ...rows] = s.preview ?? [];
    return [
      `rollback of ${s.stateDir} (a preview: nothing deleted or changed)`,
      `  would delete the contacts this job created and restore the ones it updated or adopted: ${counts ?? ''}${s.alreadyGone + s.restored + s.recreated + s.changedSince > 0 ? ` (${s.alreadyGone + s.restored + s.recreated + s.changedSince} done by an earlier rollback)` : ''}`,
      '  each only if it is still as the job left it; contacts the job left alone are never touched',
      ...rows.map((l) => `    ${l}`),
      ...(s.notSent > rows.length ? [`    … and ${s.notSent - rows.length} more`] : []),
      ...(s.inDoubt > 0
        ? [`  ${s.inDoubt} record(s) the import left in doubt could not be looked up now: the rollback tries again`]
        : []),
      '  to do it: the same command with --yes',
    ].join('\n');
  }
  return [
    `rollback of ${s.stateDir}: deleted ${s.deleted}, restored ${s.restored}${s.recreated > 0 ? `, made again with new ids ${s.recreated} (see rollback.csv)` : ''}, already gone ${s.alreadyGone}, changed since (left alone) ${s.changedSince}, failed ${s.failed}${s.notSent > 0 ? `, not sent yet ${s.notSent}` : ''} (of ${s.createdByJob} the job created and ${s.changedByJob} it updated or adopted)`,
    ...(s.abortedBecause ? [`  ABORTED: ${s.abortedBecause}`, ...(s.abortHint ? [`  hint: ${s.abortHint}`] : [])] : []),
    ...(s.stoppedEarly ? [`  stopped early: ${s.stoppedEarly}; the same command continues`] : []),
    ...(s.changedSince > 0
      ? [`  left alone because someone changed them since the job: ${s.stateDir}/rollback.csv says which and why`]
      : []),
    ...(s.failed > 0 ? [`  failures: ${s.stateDir}/rollback.csv; the same command tries them again`] : []),
    ...(s.inDoubt > 0
      ? [`  ${s.inDoubt} record(s) the import left in doubt could not be looked up: the same command tries again`]
      : []),
  ].join('\n');
}
