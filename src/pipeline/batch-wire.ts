import type { CsvRecord } from '../csv/read-csv.js';
import type { Problem } from '../mapping/problem.js';
import type { MappedBatch } from './map-batch.js';

/**
 * How batches cross between the dry run's two threads. Structured cloning an
 * array of records, or of mapped results, costs ~3 µs a record (each object's
 * property names and each string go through the serializer on both sides), a
 * tenth of what mapping it costs. So each side's strings travel joined into
 * one string with their lengths in a typed array: two copies of memory, and
 * slices on arrival.
 */

export interface RecordsMessage {
  readonly lines: Int32Array;
  readonly fieldCounts: Int32Array;
  readonly cellLengths: Int32Array;
  readonly cells: string;
}

export interface MappedMessage {
  /** Per record: the length of its externalId in `ids`, or -1 when it has none. */
  readonly idLengths: Int32Array;
  readonly ids: string;
  /** Per record: the length of its payload JSON in `payloads`, or -1 when it has none. */
  readonly payloadLengths: Int32Array;
  readonly payloads: string;
  /** The records with problems (most have none), by index. */
  readonly problems: [number, readonly Problem[]][];
}

/** The buffers to transfer (not copy) with a message. */
export const transferables = (m: RecordsMessage | MappedMessage): ArrayBuffer[] =>
  ('lines' in m ? [m.lines, m.fieldCounts, m.cellLengths] : [m.idLengths, m.payloadLengths]).map((a) => a.buffer as ArrayBuffer);

export function encodeRecords(records: readonly CsvRecord[]): RecordsMessage {
  const lines = new Int32Array(records.length);
  const fieldCounts = new Int32Array(records.length);
  let cellCount = 0;
  for (const r of records) cellCount += r.fields.length;
  const cellLengths = new Int32Array(cellCount);
  const cells: string[] = new Array(cellCount);
  let c = 0;
  records.forEach((r, i) => {
    lines[i] = r.line;
    fieldCounts[i] = r.fields.length;
    for (const field of r.fields) {
      cellLengths[c] = field.length;
      cells[c++] = field;
    }
  });
  return { lines, fieldCounts, cellLengths, cells: cells.join('') };
}

export function decodeRecords(m: RecordsMessage): CsvRecord[] {
  const records: CsvRecord[] = new Array(m.lines.length);
  let c = 0;
  let at = 0;
  for (let i = 0; i < m.lines.length; i++) {
    const fields: string[] = new Array(m.fieldCounts[i]!);
    for (let f = 0; f < fields.length; f++) {
      const end = at + m.cellLengths[c++]!;
      fields[f] = m.cells.slice(at, end);
      at = end;
    }
    records[i] = { kind: 'record', line: m.lines[i]!, fields };
  }
  return records;
}

export function encodeMapped(mapped: MappedBatch): MappedMessage {
  const idLengths = new Int32Array(mapped.length);
  const payloadLengths = new Int32Array(mapped.length);
  const ids: string[] = [];
  const payloads: string[] = [];
  const problems: [number, readonly Problem[]][] = [];
  mapped.forEach((m, i) => {
    idLengths[i] = m.externalId === undefined ? -1 : m.externalId.length;
    if (m.externalId !== undefined) ids.push(m.externalId);
    payloadLengths[i] = m.payload === undefined ? -1 : m.payload.length;
    if (m.payload !== undefined) payloads.push(m.payload);
    if (m.problems.length > 0) problems.push([i, m.problems]);
  });
  return { idLengths, ids: ids.join(''), payloadLengths, payloads: payloads.join(''), problems };
}

const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

export function decodeMapped(m: MappedMessage): MappedBatch {
  const problemsOf = new Map(m.problems);
  const out: MappedBatch = new Array(m.idLengths.length);
  let idAt = 0;
  let payloadAt = 0;
  for (let i = 0; i < out.length; i++) {
    const idLength = m.idLengths[i]!;
    const payloadLength = m.payloadLengths[i]!;
    const externalId = idLength < 0 ? undefined : m.ids.slice(idAt, (idAt += idLength));
    const payload = payloadLength < 0 ? undefined : m.payloads.slice(payloadAt, (payloadAt += payloadLength));
    out[i] = { externalId, payload, problems: problemsOf.get(i) ?? NO_PROBLEMS };
  }
  return out;
}
