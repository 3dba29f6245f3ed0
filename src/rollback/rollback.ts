import { existsSync } from 'node:fs';
import type { ApiSettings } from '../config/resolved.js';
import { API_DEFAULTS } from '../config/resolved.js';
import { ExitCode, UsageError } from '../errors.js';
import { replayJournal } from '../journal/replay.js';
import { acquireRunLock } from '../journal/run-lock.js';
import { checkTarget, describeTarget } from '../journal/target.js';
import type { Log } from '../log.js';
import { AtomicPrivateFile, statePath, writePrivateFile } from '../report/private-files.js';
import { safeCsvRow, UTF8_BOM } from '../report/spreadsheet-safe.js';
import { describeApiError } from '../send/api-error.js';
import type { Transport } from '../send/transport.js';
import { connect } from '../job/connect.js';
import { Runner } from '../job/runner.js';
import { contactsCreatedByJob, RollbackLog, type CreatedContact } from './rollback-state.js';

export interface RollbackOptions {
  readonly stateDir: string;
  readonly apiKey: string;
  readonly log: Log;
  /** Without it, nothing is deleted: the rollback says what it would delete. */
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
  /** Contacts the job created, over all its runs. */
  readonly createdByJob: number;
  readonly deleted: number;
  /** Already gone: deleted by an earlier rollback run, or by someone else (the API answered 404). */
  readonly alreadyGone: number;
  readonly failed: number;
  readonly notSent: number;
  /** Records the import left in doubt: their contacts may exist, and are not deleted (run the import once more to settle them). */
  readonly inDoubt: number;
  readonly exitCode: number;
  readonly stoppedEarly?: string;
  readonly abortedBecause?: string;
  readonly preview?: readonly string[];
  readonly requests?: Readonly<Record<string, number>>;
}

/**
 * Deletes the contacts this job created, from its journal, through the same
 * API client, rate limit, lock and stop handling as the import: resumable,
 * killable, and never touching a contact the workspace had before the job or
 * one the job only updated.
 */
export async function rollback(o: RollbackOptions): Promise<RollbackSummary> {
  const journalPath = statePath(o.stateDir, 'journal');
  if (!existsSync(journalPath)) throw new UsageError('NO_JOB', `${o.stateDir} holds no job (no journal.jsonl): expected the --state-dir of an import`);
  const releaseLock = acquireRunLock(o.stateDir, o.log);
  try {
    const past = await replayJournal(journalPath);
    const baseUrl = (o.baseUrl ?? past.target?.baseUrl ?? past.header?.baseUrl ?? API_DEFAULTS.baseUrl).replace(/\/+$/, '');
    // Only the API and key the job imported with: another workspace's contacts are never touched.
    checkTarget(past, describeTarget(baseUrl, o.apiKey), journalPath, false);
    const created = await contactsCreatedByJob(journalPath);
    const logPath = statePath(o.stateDir, 'rollbackLog');
    const done = RollbackLog.read(logPath);
    const todo = created.filter((c) => !done.has(c.contactId));
    const base = { stateDir: o.stateDir, createdByJob: created.length, inDoubt: past.inDoubt.size };
    if (!o.yes) {
      return { ...base, mode: 'rollback-preview', deleted: 0, alreadyGone: created.length - todo.length, failed: 0, notSent: todo.length, exitCode: ExitCode.ok, preview: todo.slice(0, 10).map((c) => `line ${c.line}: ${c.externalId} (contact ${c.contactId})`) };
    }
    return await deleteAll(o, baseUrl, todo, created.length - todo.length, base, logPath);
  } finally {
    releaseLock();
  }
}

async function deleteAll(o: RollbackOptions, baseUrl: string, todo: readonly CreatedContact[], before: number, base: Pick<RollbackSummary, 'stateDir' | 'createdByJob' | 'inDoubt'>, logPath: string): Promise<RollbackSummary> {
  const settings: ApiSettings = { ...API_DEFAULTS, ...o.api, baseUrl };
  const runner = new Runner({ concurrency: settings.concurrency, graceMs: o.graceMs, signal: o.stop });
  const { api, stats } = connect({ api: settings, apiKey: o.apiKey, ...(o.transport && { transport: o.transport }) }, baseUrl, runner);
  const log = new RollbackLog(logPath);
  const report = new AtomicPrivateFile(statePath(o.stateDir, 'rollbackReport'));
  report.stream.write(`${UTF8_BOM}line,externalId,contactId,outcome,why\n`);
  const row = (c: CreatedContact, outcome: string, why = '') => report.stream.write(safeCsvRow([String(c.line), c.externalId, c.contactId, outcome, why]));
  const n = { deleted: 0, gone: 0, failed: 0, notSent: 0 };
  try {
    for (const c of todo) {
      if (!runner.keepReading) {
        n.notSent++;
        continue;
      }
      await runner.submit(async () => {
        let r;
        try {
          r = await api.call({ method: 'DELETE', path: `v1/contacts/${encodeURIComponent(c.contactId)}` }, { count: 'deletes' });
        } catch (err) {
          runner.abort(err);
          n.notSent++;
          return;
        }
        if (r.kind === 'answer' && (r.res.status === 204 || r.res.status === 200 || r.res.status === 404)) {
          const how = r.res.status === 404 ? 'gone' : 'deleted';
          log.deleted(c.contactId, c.externalId, how);
          n[how === 'gone' ? 'gone' : 'deleted']++;
          row(c, how);
        } else if (r.kind === 'stopped' || r.kind === 'settled') {
          n.notSent++;
        } else {
          n.failed++;
          row(c, 'failed', r.kind === 'gaveUp' ? `${r.message} (a rerun tries again)` : describeApiError(r.res.status, r.res.body).message);
        }
      });
      await report.pace();
    }
    const end = await runner.finish();
    await report.commit();
    const exitCode = end.aborted ? ExitCode.aborted : end.stoppedEarly ? ExitCode.stoppedEarly : n.failed > 0 || base.inDoubt > 0 ? ExitCode.someFailed : ExitCode.ok;
    const summary: RollbackSummary = { ...base, mode: 'rollback', deleted: n.deleted, alreadyGone: before + n.gone, failed: n.failed, notSent: n.notSent, exitCode, ...(end.stoppedEarly && { stoppedEarly: end.stoppedEarly }), ...(end.aborted && { abortedBecause: end.aborted }), requests: stats.toJSON() };
    await writePrivateFile(statePath(o.stateDir, 'rollbackSummary'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } catch (err) {
    // No half rollback.csv replaces the last whole one; rollback.jsonl already holds what is gone.
    report.discard();
    throw err;
  } finally {
    log.close();
  }
}

export function formatRollback(s: RollbackSummary): string {
  if (s.mode === 'rollback-preview') {
    return [
      `rollback of ${s.stateDir} (a preview: nothing deleted)`,
      `  would delete ${s.notSent} contact(s) this job created${s.alreadyGone > 0 ? ` (${s.alreadyGone} already deleted by an earlier rollback)` : ''}; contacts that existed before the job, or that it updated, are never deleted`,
      ...(s.preview ?? []).map((l) => `    ${l}`),
      ...(s.notSent > (s.preview?.length ?? 0) ? [`    … and ${s.notSent - (s.preview?.length ?? 0)} more`] : []),
      ...(s.inDoubt > 0 ? [`  ${s.inDoubt} record(s) were left in doubt by the import and are not included: run the import once more to settle them, then roll back`] : []),
      '  to delete them: the same command with --yes',
    ].join('\n');
  }
  return [
    `rollback of ${s.stateDir}: deleted ${s.deleted}, already gone ${s.alreadyGone}, failed ${s.failed}${s.notSent > 0 ? `, not sent yet ${s.notSent}` : ''} (of ${s.createdByJob} the job created)`,
    ...(s.abortedBecause ? [`  ABORTED: ${s.abortedBecause}`] : []),
    ...(s.stoppedEarly ? [`  stopped early: ${s.stoppedEarly}; the same command continues`] : []),
    ...(s.failed > 0 ? [`  failures: ${s.stateDir}/rollback.csv; the same command tries them again`] : []),
    ...(s.inDoubt > 0 ? [`  ${s.inDoubt} record(s) the import left in doubt were not deleted: run the import once more to settle them, then roll back again`] : []),
  ].join('\n');
}
