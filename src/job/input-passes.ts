import { Classifier, type ValidRecord } from '../classify/classify.js';
import type { MatchKey, ResolvedConfig, ValueSource } from '../config/resolved.js';
import type { ApiClient } from '../api/client.js';
import type { Log } from '../log.js';
import { buildIndex } from '../workspace/build-index.js';
import { renderTemplate } from '../config/template.js';
import { indexHeader } from '../csv/header.js';
import { openInput } from '../input/open-input.js';
import type { OwnerLookup } from '../mapping/map-record.js';
import type { WorkspaceIndex } from '../workspace/index.js';
import type { PastView } from './plan.js';
import { decodedFrom } from '../input/table.js';

/**
 * Passes over the input that come before a run matches anything: reading is
 * thousands of records a second, listing the workspace 50 contacts a request,
 * so a pass that spares the listing or a wrong adoption is cheap.
 */
interface InputPass {
  readonly input: string;
  readonly config: ResolvedConfig;
  readonly owners?: OwnerLookup;
  readonly stop?: AbortSignal;
}

/** The input's valid records, as the run will classify them, each with a reader of its cells. */
async function* validRecords(pass: InputPass): AsyncGenerator<ValidRecord & { cell: (column: string) => string }> {
  const table = await openInput(pass.input, pass.config.csv);
  const header = indexHeader(table.header, pass.config.columnUses, pass.input);
  const classifier = new Classifier(
    pass.config,
    header,
    decodedFrom(table.writeBack),
    table.estimatedRecords,
    pass.owners,
  );
  for await (const batch of table.batches) {
    if (pass.stop?.aborted) return;
    for (const item of batch) {
      const record = classifier.classify(item);
      if (record.kind === 'valid')
        yield { ...record, cell: (column) => record.fields[header.positionOf.get(column) ?? -1] ?? '' };
    }
  }
}

/**
 * The records the job finished whose externalId the config now makes another
 * (a split or allowEmpty added to the id's template): the first few, and how
 * many. Each would be created a second time.
 */
export async function changedIds(
  pass: InputPass,
  past: Pick<PastView, 'done'>,
  old: ValueSource,
): Promise<{ changed: { line: number; from: string; to: string }[]; total: number }> {
  const changed: { line: number; from: string; to: string }[] = [];
  let total = 0;
  if (old.kind !== 'template') return { changed, total };
  for await (const record of validRecords(pass)) {
    const before = renderTemplate(old.parts, record.cell, old.allowEmpty);
    if (before.kind !== 'rendered' || before.id === record.externalId || !past.done.has(before.id)) continue;
    total++;
    if (changed.length < 3) changed.push({ line: record.line, from: before.id, to: record.externalId });
  }
  return { changed, total };
}

/**
 * Whether any record is one the journal has not finished: only such a record
 * is matched against the workspace (job/pipeline.ts), so a night with no new
 * record lists nothing. Stops at the first.
 */
async function anyRecordToMatch(pass: InputPass, past: Pick<PastView, 'done'>): Promise<boolean> {
  for await (const record of validRecords(pass)) if (!past.done.has(record.externalId)) return true;
  return false;
}

/**
 * The workspace keys (numbers, e-mails) that several records of the input
 * carry, with how many: an office line or a family's mobile is nobody's, so
 * a record matching by one is for review, whichever record comes first
 * (workspace/index.ts). Counted over every valid record (one the job knows
 * carries the key as much as a new one), and only for keys the workspace has:
 * its memory is the index's.
 */
async function sharedKeys(pass: InputPass, index: WorkspaceIndex): Promise<Map<string, number>> {
  const carriers = new Map<string, number>();
  for await (const record of validRecords(pass)) {
    const keys = new Set(
      index
        .lookups(record)
        .filter((l) => l.contacts.length > 0)
        .map((l) => l.key),
    );
    for (const key of keys) carriers.set(key, (carriers.get(key) ?? 0) + 1);
  }
  for (const [key, n] of carriers) if (n < 2) carriers.delete(key);
  return carriers;
}

/**
 * The workspace index a run (or a dry run's preview) matches with: listed only
 * when a record needs matching, and knowing the keys several records carry.
 * Undefined when every record is one the job has finished.
 */
export async function matchingIndex(
  api: ApiClient,
  keys: readonly MatchKey[],
  pass: InputPass,
  past: Pick<PastView, 'done'>,
  log: Log,
): Promise<WorkspaceIndex | undefined> {
  if (!(await anyRecordToMatch(pass, past))) return undefined;
  const index = await buildIndex(api, pass.config, keys, log, pass.stop, (id) => past.done.has(id));
  index.setShared(await sharedKeys(pass, index));
  return index;
}
