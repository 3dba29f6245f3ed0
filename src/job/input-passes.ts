import { Classifier } from '../classify/classify.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { indexHeader } from '../csv/header.js';
import { openInput } from '../input/open-input.js';
import type { OwnerLookup } from '../mapping/map-record.js';
import type { WorkspaceIndex } from '../workspace/index.js';

/**
 * The workspace keys (numbers, e-mails) that several records of the input
 * carry, with how many: an office line or a family's mobile is nobody's, so
 * a record matching by one is for review, whichever record comes first
 * (workspace/index.ts). Counted in a pass over the input before anything is
 * matched, over every valid record (one the job knows carries the key as much
 * as a new one), and only for keys the workspace has: its memory is the index's.
 */
export async function sharedKeys(input: string, config: ResolvedConfig, index: WorkspaceIndex, owners?: OwnerLookup, stop?: AbortSignal): Promise<Map<string, number>> {
  const csv = await openInput(input, config.csv);
  const classifier = new Classifier(config, indexHeader(csv.header, config.columnUses, input), csv.encoding, csv.estimatedRecords, owners);
  const carriers = new Map<string, number>();
  for await (const batch of csv.batches) {
    if (stop?.aborted) break;
    for (const item of batch) {
      const record = classifier.classify(item);
      if (record.kind !== 'valid') continue;
      const keys = new Set(index.lookups(record).filter((l) => l.contacts.length > 0).map((l) => l.key));
      for (const key of keys) carriers.set(key, (carriers.get(key) ?? 0) + 1);
    }
  }
  for (const [key, n] of carriers) if (n < 2) carriers.delete(key);
  return carriers;
}
