import { parentPort, workerData } from 'node:worker_threads';
import { mapBatch } from './map-batch.js';
import { RecordMapper } from './record-mapper.js';
import type { MappingWorkerData } from './two-thread-mapper.js';

// The second thread of a dry run: maps the batches it is sent, in the order
// sent, and answers each with its MappedBatch. It holds no state between batches.
const { config, header, encoding } = workerData as MappingWorkerData;
const mapper = new RecordMapper(config, header, encoding);
const port = parentPort!;
port.on('message', (items) => port.postMessage(mapBatch(mapper, items)));
port.postMessage('ready');
