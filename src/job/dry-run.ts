import { failedCardsFact } from '../report/failed-cards.js';
import type { HeaderIndex } from '../csv/header.js';
import { decodedFrom, reportDelimiter, type InputTable } from '../input/table.js';
import type { OwnerLookup } from '../mapping/map-record.js';
import { realpathOrSame } from '../util/realpath-or-same.js';
import { basename, dirname, join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/resolved.js';
import type { Log } from '../log.js';
import { Classifier } from '../classify/classify.js';
import { JsonlWriter } from '../report/jsonl-writer.js';
import { ensurePrivateDir, statePath } from '../state/private-files.js';
import { runFacts, type Summary, type VerifyPreviewFacts } from '../report/summary.js';
import { buildSummary, completedExitCode } from './run-summary.js';
import { ContactPreview } from '../report/contact-preview.js';
import type { NextStep } from '../report/html-report.js';
import { runPipeline, type SendPlan } from './pipeline.js';
import { writeRunReports } from '../report/run-reports.js';
import { openJobInput, type OpenedJobInput } from './open-job-input.js';
import { DEFAULT_RULES, isCreate, type PlanRules } from './plan.js';
import { replayJournal } from '../journal/replay.js';
import type { ResumeState } from '../journal/fold-state.js';
import type { MatchKey } from '../config/resolved.js';
import type { WorkspaceIndex } from '../workspace/index.js';
import { matchingIndex } from './input-passes.js';
import { checkRecordsNamedAlike } from './records-named-alike.js';
import { readingReports } from './reading-reports.js';
import { Recorder } from './recorder.js';
import type { ValidRecord } from '../classify/classify.js';
import { describePatch } from '../report/change-preview.js';
import { ImportError, UsageError } from '../errors.js';
import { readLastWrite } from '../journal/line-reader.js';
import { decidedRecords, reviewRun, unmatchedDecisionsWarning, type ReviewInput } from './review-decisions.js';
import type { Base } from '../sync/base.js';
import { syncBody } from '../send/update-body.js';
import { otherSourceHolder, recordsContact } from '../send/send-record.js';
import type { LookupResult } from '../api/lookup.js';
import type { ApiClient } from '../api/client.js';
import { previewDeletion, type DeletePreviewFlags } from './delete-preview.js';
import { VerifyPreview } from './verify-preview.js';
import { LOOKUP_MAX_IDS } from '../api/contract.js';
import { idColumnOf, idFormCheck } from './id-form.js';
import { DriftReport } from '../report/conflicts-report.js';

export interface DryRunOptions {
  /** What to do after this run, in words and as commands, for report.html. */
  readonly nextSteps?: (summary: Summary) => readonly NextStep[];
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly log: Log;
  /** As the import would treat records an earlier run finished. */
  readonly rules?: PlanRules;
  /** With a key, the first changed records' contacts are read (one request) to show each change as old → new, and adoptions are previewed. */
  readonly api?: { readonly apiKey: string; readonly baseUrl: string };
  /** --match-existing (overrides the config's matchExisting): with a key, the workspace is listed and each adoption or review previewed. */
  readonly matchExisting?: readonly MatchKey[];
  /** --delete-missing: what the import would delete is listed in would-delete.csv, with the guards' verdict (from the journal: no key needed). */
  readonly deleteMissing?: DeletePreviewFlags;
}

/** How many changed records a dry run shows field by field. */
const CHANGES_SHOWN = 5;

/** The contact of the job's source holding the id of a record the import would create (its 409 to come), or undefined. */
function holderOfNew(
  plan: SendPlan,
  by: { readonly holders?: ReadonlyMap<string, string> | undefined },
): string | undefined {
  if (!isCreate(plan)) return undefined;
  return plan.ofJobSource?.id ?? by.holders?.get(plan.record.externalId);
}

/** A changed record's sync, as the plan gives it. */
type Sync = NonNullable<SendPlan['sync']>;

/**
 * Where a dry run writes its reports: a folder of its own, so it never
 * overwrites an import's; and never the folder its input is in. A dry run of
 * the failures.csv a person fixed (in dry-run/, or in a check-N/ below it)
 * writes into the next check-N/: the fixed file stays as it was, whatever the
 * run finds.
 */
export function dryRunReportDir(stateDir: string, input?: string): string {
  const base = statePath(stateDir, 'dryRun');
  if (input === undefined) return base;
  const from = realpathOrSame(dirname(resolve(input)));
  if (from === realpathOrSame(base)) return join(base, 'check-1');
  const check = /^check-(\d+)$/.exec(basename(from));
  return check && realpathOrSame(dirname(from)) === realpathOrSame(base)
    ? join(base, `check-${Number(check[1]) + 1}`)
    : base;
}

/**
 * The dry run: the import's pipeline with a sender that sends nothing. Every
 * record ends in exactly one bucket, and the reports say which and why. The
 * reports go to `dry-run/` in the state directory: an import's stay as they were.
 */
export async function dryRun(options: DryRunOptions): Promise<Summary> {
  const startedAt = new Date();
  // review.csv with a person's decisions: the preview of carrying them out on their records in the job's export.
  // Its records' export is the journal's to name; the fold read for it is the run's (read once).
  const reviewed = await reviewRun(options.input, options.stateDir);
  const source = reviewed?.source ?? options.input;
  if (reviewed !== undefined)
    options.log.info(
      `${options.input}: ${reviewed.review.decisions.size} decision(s) (${reviewed.review.undecided} row(s) left for review), previewed on their records in ${source}`,
    );
  const opened = await openJobInput(source, options.config, options.stateDir);
  try {
    return await dryRunOf({ ...options, input: source }, opened, startedAt, reviewed);
  } finally {
    opened.restoreTemp();
  }
}

async function dryRunOf(
  options: DryRunOptions,
  { table, header }: OpenedJobInput,
  startedAt: Date,
  reviewed: { review: ReviewInput; past: ResumeState } | undefined,
): Promise<Summary> {
  const { config, input, stateDir } = options;
  const review = reviewed?.review;
  // The file the person ran: a review.csv's reports go beside it, never over it.
  const ran = review?.file ?? input;
  const reportDir = dryRunReportDir(stateDir, ran);
  ensurePrivateDir(reportDir);
  // What a run of this job would do: the journal says what is finished (read only: a run may be appending).
  const past = reviewed?.past ?? (await replayJournal(statePath(stateDir, 'journal'), { repair: false }));
  await previewNaming(options, past);
  const owners = config.owner === undefined ? undefined : await dryRunOwners(options, header);
  // A review run's records are decided: none is matched, so the workspace is not listed (as the import does).
  const { index, holders } = review === undefined ? await previewIndex(options, past, owners) : ({} as WorkspaceView);
  const recorder = dryRunRecorder(options, reportDir, table, header, index !== undefined);
  const verifying = await openVerifyPreview(options, recorder, past.done.size);
  let verified: VerifyPreviewFacts | undefined;
  let planned: Awaited<ReturnType<typeof planRecords>>;
  try {
    planned = await planRecords(options, { table, header }, past, recorder, {
      index,
      holders,
      owners,
      review,
      verify: verifying?.preview,
    });
  } finally {
    verified = await verifying?.done();
  }
  const { classifier, preview, changed } = planned;
  const lastWrite = (sync: Sync) =>
    sync.writeAt === undefined
      ? {}
      : readLastWrite(statePath(stateDir, 'journal'), sync.writeAt, sync.hasBase === true);
  const changes = changed.length === 0 ? undefined : await changesOf(changed, config, options.api, lastWrite);
  // A review run never deletes (job/delete-missing.ts): it reads only the records decided on.
  const wouldDelete =
    review === undefined
      ? await deletionPreview(options, { past, classifier, recorder, header, reportDir, table })
      : undefined;
  const summary = buildSummary(
    {
      ...runFacts('dry-run', ran, config.file, stateDir, startedAt),
      reportDir,
      exitCode: completedExitCode(recorder.counts),
      ...(preview.lines.length > 0 && { preview: preview.lines }),
      ...(changes && { changes }),
      ...(wouldDelete && { wouldDelete }),
      ...(verified && { verifyPreview: verified }),
      ...failedCardsFact(table.writeBack.format, recorder.counts.buckets, reportDir),
      reportHtml: statePath(reportDir, 'reportHtml'),
    },
    recorder.counts,
  );
  await writeRunReports(reportDir, summary, [], options.nextSteps?.(summary) ?? []);
  return summary;
}

/**
 * Reads and plans every record as the import would, with a sender that sends
 * nothing: the recorder counts each; what would be created is offered to the
 * preview, the first changed records kept for their field-by-field view. A
 * review.csv's decisions are carried out, in memory, on their records alone.
 */
async function planRecords(
  options: DryRunOptions,
  { table, header }: Pick<OpenedJobInput, 'table' | 'header'>,
  past: ResumeState,
  recorder: Recorder,
  by: {
    index?: WorkspaceIndex | undefined;
    holders?: ReadonlyMap<string, string> | undefined;
    owners?: OwnerLookup | undefined;
    review?: ReviewInput | undefined;
    verify?: VerifyPreview | undefined;
  },
): Promise<{ classifier: Classifier; preview: ContactPreview; changed: SendPlan[] }> {
  const { config } = options;
  const { index, review } = by;
  const preview = new ContactPreview(header, config.phoneNumbers);
  const changed: SendPlan[] = [];
  const classifier = new Classifier(config, header, decodedFrom(table.writeBack), table.estimatedRecords, by.owners);
  // As the import carries them out: on the records decided on, and those alone (the journal is not written).
  for (const [id, d] of review?.decisions ?? []) past.decisions.set(id, d);
  const decided = review === undefined ? undefined : decidedRecords(review);
  try {
    await runPipeline({
      table,
      classifier,
      past,
      rules: options.rules ?? DEFAULT_RULES,
      recorder,
      idForm: idFormCheck(past, idColumnOf(config)),
      ...(index && { match: (record: ValidRecord) => index.match(record, past.updatesInDoubt.has(record.externalId)) }),
      keepReading: () => true,
      ...(decided && { only: decided.only }),
      send: (plan) => {
        // --verify: an unchanged record, its contact read and judged as the import would (without a key, unchanged alone).
        if (plan.sync?.verify) {
          recorder.planned({ kind: 'unchanged', record: plan.record });
          return by.verify?.check(plan);
        }
        // Another integration's contact holds its id: the import leaves it alone, sending nothing.
        if (plan.heldElsewhere) return recorder.planned({ kind: 'existing', record: plan.record });
        // One of the job's source holds it (another job's): the import's create meets 409, and --on-existing says.
        const holder = holderOfNew(plan, by);
        if (holder !== undefined) {
          if ((options.rules ?? DEFAULT_RULES).onExisting === 'update') return recorder.valid(plan.record, 'changed');
          recorder.planned({ kind: 'existing', record: plan.record });
          return recorder.ofAnotherJob(plan.record, holder);
        }
        recorder.valid(plan.record, plan.sync ? 'changed' : plan.adopt ? 'adopted' : 'valid');
        if (plan.sync && changed.length < CHANGES_SHOWN) changed.push(plan);
        else preview.offer(plan.record);
      },
    });
    await by.verify?.settled();
    await recorder.commit();
  } catch (err) {
    recorder.discard();
    throw err;
  }
  const unmatched = decided?.unmatched() ?? [];
  if (review !== undefined && unmatched.length > 0)
    options.log.warn(unmatchedDecisionsWarning(review, options.input, unmatched), 'REVIEW_DECISIONS_UNMATCHED');
  return { classifier, preview, changed };
}

/** A refusal the import would meet, as the dry run says it: the import's own words and hint. */
const importWouldStop = (err: ImportError): string =>
  `the import would stop before sending: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`;

/**
 * The import's check that the config names the records as the journal does:
 * where the import would stop (exit 2: another externalId or source, ids a
 * new split would change), the dry run says so and goes on, so the person
 * sees the rest of what is wrong at once.
 */
async function previewNaming(options: DryRunOptions, past: ResumeState): Promise<void> {
  const { config, input, stateDir, log } = options;
  try {
    await checkRecordsNamedAlike(past, config, input, statePath(stateDir, 'journal'), log);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log.warn(importWouldStop(err), err.code);
  }
}

/** The dry run's recorder: its own failures.csv, payloads.jsonl (what would be sent), dropped values, and review.csv where matching is previewed. */
function dryRunRecorder(
  options: DryRunOptions,
  reportDir: string,
  table: InputTable,
  header: HeaderIndex,
  matching: boolean,
): Recorder {
  const verifying = options.rules?.verify === true && options.api !== undefined;
  return new Recorder({
    // review.csv only where matching is previewed: no review.csv says nothing.
    ...readingReports(table, header, reportDir, options.log, matching),
    payloads: new JsonlWriter(statePath(reportDir, 'payloads')),
    warn: (message, code) => options.log.warn(message, code),
    ...(verifying && {
      drift: new DriftReport(statePath(reportDir, 'drift'), reportDelimiter(table.writeBack), {
        writesBack: options.config.update.conflicts === 'source',
      }),
    }),
  });
}

/** With --delete-missing: what the import would delete or release, and whether its guards would let it (dry-run/would-delete.csv). */
async function deletionPreview(
  options: DryRunOptions,
  run: {
    past: ResumeState;
    classifier: Classifier;
    recorder: Recorder;
    header: HeaderIndex;
    reportDir: string;
    table: InputTable;
  },
): Promise<Summary['wouldDelete']> {
  if (options.deleteMissing === undefined) return undefined;
  const { classifier, recorder } = run;
  const seen = {
    hasSeen: (id: string) => classifier.hasSeen(id),
    unreadable: classifier.unreadable,
    records: recorder.counts.read - recorder.counts.buckets.ignored,
    // A dry run makes nothing: the job's contacts are the journal's.
    madeOwned: 0,
  };
  return previewDeletion({
    journalPath: statePath(options.stateDir, 'journal'),
    past: run.past,
    seen,
    input: options.input,
    header: run.header,
    flags: options.deleteMissing,
    file: statePath(run.reportDir, 'wouldDelete'),
    delimiter: reportDelimiter(run.table.writeBack),
  });
}

/**
 * What a dry run knows of the workspace: its index (matching), or the
 * contacts of the job's own source a first run's check read, by externalId.
 */
interface WorkspaceView {
  readonly index?: WorkspaceIndex;
  readonly holders?: ReadonlyMap<string, string>;
}

/**
 * What an import would match (--match-existing): with a key, the workspace is
 * listed and indexed as an import does it, so the dry run counts "would adopt"
 * and lists in dry-run/review.csv what a person must decide, with why. Without
 * a key, or when the listing fails, it says what it could not preview. A
 * first run with no matching choice into a workspace with app-made contacts
 * is said too: the import would stop there; the contacts of the job's source
 * that check reads are the import's 409s to come.
 */
async function previewIndex(
  options: DryRunOptions,
  past: ResumeState,
  owners: OwnerLookup | undefined,
): Promise<WorkspaceView> {
  const { config, api, log } = options;
  const choice = options.matchExisting ?? config.matchExisting;
  const keys = choice ?? [];
  if (api === undefined) {
    if (keys.length > 0)
      log.warn(
        `matchExisting: which records would adopt a contact the workspace has, or go to review, needs the workspace, which only the API key can read: set OPENPHONE_API_KEY to preview them; here they count as "would create"`,
        'PREVIEW_NEEDS_KEY',
      );
    return {};
  }
  if (keys.length === 0 && (choice !== undefined || past.header !== undefined)) return {};
  const { checkFirstRun, jobSourceOf } = await import('../workspace/build-index.js');
  const { client, finish } = await previewClient(config, api);
  const pass = { input: options.input, config, ...(owners && { owners }) };
  try {
    if (keys.length === 0) return { holders: await checkFirstRun(client, jobSourceOf(config.source)) };
    const index = await matchingIndex(client, keys, pass, past, log);
    return index === undefined ? {} : { index };
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    log.warn(
      keys.length === 0
        ? importWouldStop(err)
        : `matching could not be previewed (${err.message}): the records that would adopt a contact count as "would create" here`,
      err.code,
    );
    return {};
  } finally {
    await finish();
  }
}

/**
 * A client for a dry run's reads of the workspace (nothing is written), on a
 * runner of its own; `finish` closes it. `look`: a single glance (owners, the
 * first changes), two quick tries, not a job's minute of backoff against an
 * API that cannot be reached. Loaded only when a dry run reads the workspace.
 */
async function previewClient(
  config: ResolvedConfig,
  api: NonNullable<DryRunOptions['api']>,
  { concurrency = 1, look = false }: { concurrency?: number; look?: boolean } = {},
): Promise<{ client: ApiClient; finish: () => Promise<void> }> {
  const { jobApiClient } = await import('./job-api-client.js');
  const { Runner } = await import('./runner.js');
  const runner = new Runner({ concurrency });
  const settings = { ...config.api, baseUrl: api.baseUrl, ...(look && { retry: LOOK_RETRY }) };
  const { api: client } = jobApiClient({ api: settings, apiKey: api.apiKey }, api.baseUrl, runner);
  return { client, finish: () => runner.finish().then(() => undefined) };
}

/** Two tries, a fifth of a second apart: a look gives up fast. */
const LOOK_RETRY = { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000 };

/**
 * --verify in a dry run: with a key, a VerifyPreview reads the contacts of the
 * unchanged records (job/verify-preview.ts); without one, it says what it
 * cannot preview. `done` waits for the last answers and closes the client.
 */
async function openVerifyPreview(
  options: DryRunOptions,
  recorder: Recorder,
  finished: number,
): Promise<{ preview: VerifyPreview; done: () => Promise<VerifyPreviewFacts> } | undefined> {
  const { config, api, log, stateDir } = options;
  if (options.rules?.verify !== true) return undefined;
  if (api === undefined) {
    log.warn(
      `--verify reads the contact of each unchanged record the job wrote, which only the API key can: set OPENPHONE_API_KEY to preview what it would find (contacts deleted in the app, drift); here they count as unchanged`,
      'PREVIEW_NEEDS_KEY',
    );
    return undefined;
  }
  // A whole pass over the job's contacts, as the import's --verify makes: said before it, so a long one is not taken for a hang.
  const minutes = Math.ceil(finished / LOOKUP_MAX_IDS / config.api.requestsPerSecond / 60);
  log.info(
    `--verify: reading the contacts of the job's unchanged records (${finished} finished, ${LOOKUP_MAX_IDS} a request at ${config.api.requestsPerSecond}/s: up to ${minutes} min)`,
  );
  const { LookupBatcher } = await import('../api/lookup.js');
  const { client, finish } = await previewClient(config, api, { concurrency: config.api.concurrency });
  const lookup = new LookupBatcher(client);
  // A refusal of the whole key (401) is one record's "could not be read" here: a dry run reports, it does not stop.
  const find = (externalId: string): Promise<LookupResult> =>
    lookup.find(externalId).catch((err: unknown) => {
      if (err instanceof ImportError) return { kind: 'failed', why: err.message };
      throw err;
    });
  const preview = new VerifyPreview(statePath(stateDir, 'journal'), find, (record, drift) =>
    recorder.driftPreviewed(record, drift),
  );
  return {
    preview,
    done: async () => {
      try {
        return await preview.finish();
      } finally {
        await finish();
      }
    },
  };
}

/**
 * config owner in a dry run: with a key, the workspace's users, as an import
 * reads them (owners that match nobody are reported before anything else);
 * without one the owners cannot be checked, and it says so.
 */
async function dryRunOwners(options: DryRunOptions, header: HeaderIndex): Promise<OwnerLookup | undefined> {
  const { config, api, log } = options;
  if (api === undefined) {
    log.warn(
      `owner: the owners in column ${JSON.stringify(config.owner!.column)} are matched to the workspace's users, which only the API key can read: set OPENPHONE_API_KEY to check them in the dry run (the payloads here carry the config's createdByUserId, if any)`,
      'PREVIEW_NEEDS_KEY',
    );
    return undefined;
  }
  const { readOwners } = await import('../workspace/owners.js');
  const { client, finish } = await previewClient(config, api, { look: true });
  try {
    return await readOwners(client, config, header, options.input, log);
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    log.warn(`owner: ${err.message}: the owners are not checked in this dry run`, 'OWNERS_UNREAD');
    return undefined;
  } finally {
    await finish();
  }
}

/**
 * The first changed records, field by field: their contacts are read (one
 * lookup of up to 20 ids) when a key is given; without one, where to get it.
 * Each shows the very PATCH the sync would send (send/update-body.ts
 * `syncBody`: three-way from the job's last write), to the contact the sync
 * would pick, and the conflicts it would meet. A read that fails says so: a
 * dry run never stops for it.
 */
async function changesOf(
  plans: readonly SendPlan[],
  config: ResolvedConfig,
  api: DryRunOptions['api'],
  lastWrite: (sync: Sync) => { contactId?: string; base?: Base },
): Promise<string[]> {
  if (api === undefined)
    return [
      `${plans.length > 1 ? 'lines' : 'line'} ${plans.map((p) => p.record.line).join(', ')}: set OPENPHONE_API_KEY to see each changed field as old → new`,
    ];
  const { LookupBatcher } = await import('../api/lookup.js');
  const { client, finish } = await previewClient(config, api, { look: true });
  const lookup = new LookupBatcher(client, 0);
  try {
    const found = await Promise.all(plans.map((p) => lookup.find(p.record.externalId)));
    const failed = found.find((f) => f.kind === 'failed');
    if (failed !== undefined)
      return [`reading the changed records' contacts failed (${failed.why}): no field-by-field view`];
    return plans.map((plan, i) => changeLine(plan, found[i]!, config, lastWrite(plan.sync!)));
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    return [`reading the changed records' contacts failed (${(err as Error).message}): no field-by-field view`];
  } finally {
    await finish();
  }
}

/** One changed record's line of the preview: what its sync would write to its contact, and the conflicts it would meet. */
function changeLine(
  plan: SendPlan,
  answer: LookupResult,
  config: ResolvedConfig,
  written: { contactId?: string; base?: Base },
): string {
  const { record, sync } = plan;
  const rec = { body: record.payload, sync: { relation: sync!.relation, ...written } };
  const contact = answer.kind === 'found' ? recordsContact(answer.contacts, rec)[0] : undefined;
  const where = `line ${record.line} (${record.externalId})`;
  if (contact === undefined) {
    // As the sync decides: another integration holding the id now keeps the person (send-record.ts heldElsewhereNow).
    const other = answer.kind === 'found' ? otherSourceHolder(answer.contacts, record.payload) : undefined;
    return other === undefined
      ? `${where}: its contact is gone from the workspace: it would be made again`
      : `${where}: another integration's contact (source ${JSON.stringify(other.source)}) holds its id, none of the job's: left alone, not made again`;
  }
  const { body, conflicts } = syncBody(
    contact,
    record.payload,
    sync!.relation === 'existing' ? undefined : written.base,
    {
      conflicts: config.update.conflicts,
      fields: config.update.fields,
      arrays: config.update.arrays,
    },
  );
  const diff = body === null ? [] : describePatch(contact, body);
  const met = conflicts.map(
    (c) =>
      `conflict on ${c.field}: changed in the workspace too (${JSON.stringify(c.workspace)}), the contact would keep the ${c.kept}'s`,
  );
  const nothing = 'nothing to write (the contact has what the source changed, or keeps its own edits)';
  return `${where}: ${[...(diff.length > 0 ? diff : [nothing]), ...met].join('; ')}`;
}
