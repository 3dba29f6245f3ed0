import { Worker } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { CsvItem, CsvRecord } from '../csv/read-csv.js';
import { decodeMapped, encodeRecords, transferables, type MappedMessage } from './batch-wire.js';
import { mapBatch, type MappedBatch } from './map-batch.js';
import { RecordMapper } from './record-mapper.js';

/** The worker's script, beside this module's in the build (dist/src/pipeline/). */
export const MAPPING_WORKER_SCRIPT = new URL('./mapping-worker.js', import.meta.url);

export interface MappingWorkerData {
  readonly config: ResolvedConfig;
  readonly header: HeaderIndex;
  readonly encoding: string;
}

/** A batch on its way through mapping: `mapped` is set once it is done; `done` is there while the worker has it. */
export interface PendingBatch {
  readonly items: readonly CsvItem[];
  mapped?: MappedBatch;
  done?: Promise<MappedBatch>;
}

/**
 * Maps a dry run's batches on both cores. Mapping (phones, dates, the zod check,
 * JSON) costs about three times what reading and parsing do, so the reading
 * thread hands batches to a second thread and maps a batch itself whenever the
 * second thread already has enough queued: neither waits for the other.
 * Mapping is pure (RecordMapper), so who mapped a batch changes nothing in
 * the results; the caller takes them in file order (`inOrder`).
 */
export class TwoThreadMapper {
  /**
   * Batches queued in the worker before this thread maps one itself. With 2
   * the worker sat idle 15-20% of a 100,000-record dry run (its
   * eventLoopUtilization() at the end of the run was 0.79-0.85); with 4,
   * 0.94-0.98, the reading thread's staying at 0.95-0.97. Four batches are a
   * few hundred kilobytes.
   */
  static readonly WORKER_QUEUE = 4;

  private readonly local: RecordMapper;
  private readonly worker?: Worker;
  private ready = false;
  private failure?: Error;
  private readonly waiting: { resolve: (b: MappedBatch) => void; reject: (e: Error) => void }[] = [];
  /** Resolves once the worker can take batches (until then this thread maps them all). */
  readonly workerReady: Promise<void>;
  /** Batches mapped by each thread (the tests check both take part). */
  readonly mappedBy = { here: 0, worker: 0 };
  private onReady = () => {};
  private onStartFailed = (_: Error) => {};

  /** `workerScript`: the built mapping-worker.js (MAPPING_WORKER_SCRIPT), or none to map in this thread only. */
  constructor(data: MappingWorkerData, workerScript?: URL) {
    this.local = new RecordMapper(data.config, data.header, data.encoding);
    this.workerReady = new Promise((resolve, reject) => ((this.onReady = resolve), (this.onStartFailed = reject)));
    this.workerReady.catch(() => {}); // the failure reaches the run through submit and inOrder
    if (workerScript === undefined) return;
    const worker = new Worker(workerScript, { workerData: data });
    worker.on('message', (message: MappedMessage | 'ready') => {
      if (message === 'ready') {
        this.ready = true;
        this.onReady();
      }
      // Nobody waits for a batch that was still on its way when the thread failed.
      else this.waiting.shift()?.resolve(decodeMapped(message));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`it exited with code ${code}`)));
    this.worker = worker;
  }

  /** Starts mapping `items`: in the worker when it has room, else here and now. */
  submit(items: readonly CsvItem[]): PendingBatch {
    if (this.failure !== undefined) throw this.failure;
    if (this.worker !== undefined && this.ready && this.waiting.length < TwoThreadMapper.WORKER_QUEUE) {
      // Malformed records (rare, and cheap: no cells to convert) are mapped
      // here; the worker gets the records.
      const records = items.filter((item): item is CsvRecord => item.kind === 'record');
      const pending: PendingBatch = { items };
      const merge = (fromWorker: MappedBatch): MappedBatch => {
        if (records.length === items.length) return fromWorker;
        let next = 0;
        return items.map((item) => (item.kind === 'record' ? fromWorker[next++]! : mapBatch(this.local, [item])[0]!));
      };
      pending.done = new Promise<MappedBatch>((resolve, reject) => this.waiting.push({ resolve: (b) => resolve((pending.mapped = merge(b))), reject }));
      // Awaited in order by inOrder; this only keeps a batch left behind by an
      // earlier failure from being reported as an unhandled rejection.
      pending.done.catch(() => {});
      const message = encodeRecords(records);
      this.worker.postMessage(message, transferables(message));
      this.mappedBy.worker++;
      return pending;
    }
    this.mappedBy.here++;
    return { items, mapped: mapBatch(this.local, items) };
  }

  /**
   * The batches mapped, in the order read. At most WORKER_QUEUE + 3 batches are
   * in the pipeline at once, so memory stays that of a few chunks.
   */
  async *inOrder(batches: AsyncIterable<readonly CsvItem[]>): AsyncGenerator<{ items: readonly CsvItem[]; mapped: MappedBatch }> {
    const pipeline: PendingBatch[] = [];
    const next = async () => {
      const head = pipeline.shift()!;
      return { items: head.items, mapped: head.mapped ?? (await head.done!) };
    };
    for await (const items of batches) {
      pipeline.push(this.submit(items));
      while (pipeline.length > 0 && (pipeline[0]!.mapped !== undefined || pipeline.length > TwoThreadMapper.WORKER_QUEUE + 2)) yield await next();
    }
    while (pipeline.length > 0) yield await next();
    // A worker that failed without holding a batch (say, at start) cost only
    // speed, but it is still a bug to report.
    if (this.failure !== undefined) throw this.failure;
  }

  /** Stops the worker; call when the run ends, however it ends. */
  async close(): Promise<void> {
    if (this.worker === undefined) return;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    // Mapping never throws on bad data (it reports problems), so this is a bug.
    this.failure ??= new Error(`the dry run's mapping thread failed (a bug): ${err.message}`, { cause: err });
    this.onStartFailed(this.failure);
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}
