import { parentPort, workerData } from 'node:worker_threads';
import { decodeRecords, encodeMapped, transferables, type RecordsMessage } from './batch-wire.js';
import { mapBatch } from './map-batch.js';
import { RecordMapper } from './record-mapper.js';
import type { MappingWorkerData } from './two-thread-mapper.js';

// The second thread of a dry run: maps the records it is sent, in the order
// sent, and answers each batch with its results. It holds no state between batches.
const { config, header, encoding } = workerData as MappingWorkerData;
const mapper = new RecordMapper(config, header, encoding);
const port = parentPort!;
port.on('message', (records: RecordsMessage) => {
  const answer = encodeMapped(mapBatch(mapper, decodeRecords(records)));
  port.postMessage(answer, transferables(answer));
});
port.postMessage('ready');
