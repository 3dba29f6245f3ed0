import type { CsvItem } from '../csv/read-csv.js';
import type { MappedItem, RecordMapper } from './record-mapper.js';

/** A batch mapped for the dry run: each payload is already its JSON text. */
export type MappedBatch = MappedItem<string>[];

/**
 * Maps a batch the same way in either thread. Payloads come out as JSON text:
 * the dry run writes them as text anyway, and a string crosses between threads
 * far more cheaply than the object it was made from.
 */
export function mapBatch(mapper: RecordMapper, items: readonly CsvItem[]): MappedBatch {
  return items.map((item) => {
    const { externalId, payload, problems } = mapper.map(item);
    return payload === undefined ? { externalId, problems } : { externalId, payload: JSON.stringify(payload), problems };
  });
}
