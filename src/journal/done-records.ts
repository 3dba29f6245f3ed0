import type { Relation } from './events.js';
import { IdSet } from '../util/id-set.js';

/** A record an earlier run finished: what the job is to its contact, and the hash of the body the workspace last got. */
export interface Done {
  readonly relation: Relation;
  /** Undefined for a record a journal of an older version finished (it kept no hash). */
  readonly hash: string | undefined;
  /** Where in the journal the line of the record's last write starts (its contact, journal/record-lines.ts), where replay saw it. */
  readonly writeAt?: number;
  /** The line after that write's holds its base (sync/base.ts). */
  readonly hasBase?: true;
}

/** DoneRecords as a checkpoint saves it: its shape (JSON) and the bytes of its arrays, in this order. */
export const DONE_SECTIONS = ['offsets', 'arena', 'relations', 'hashes', 'writes', 'index'] as const;
export type DoneSection = (typeof DONE_SECTIONS)[number];
export interface DoneShape {
  readonly records: number;
  readonly live: number;
  readonly arenaBytes: number;
  readonly collided: readonly (readonly [string, number])[];
  readonly oddHashes: readonly (readonly [number, string])[];
  readonly leftAtLines: readonly (readonly [number, number])[];
  readonly index: { readonly capacity: number; readonly count: number };
}

const RELATIONS: readonly Relation[] = ['created', 'existing', 'updated', 'adopted'];
const CODE: Record<Relation, number> = { created: 0, existing: 1, updated: 2, adopted: 3 };
/** A record --delete-missing took out: its slot stays, and a set brings it back. */
const DELETED = 0xff;
/** plan.ts bodyHash: 16 base64url characters, 12 bytes. */
const HASH_BYTES = 12;
const NO_HASH = 0x80;
/** A hash not of plan.ts's form (an older or a hand-made journal): kept as it is, in a map. */
const ODD_HASH = 0x40;
/** The line after the record's last write is its base. */
const HAS_BASE = 0x20;
const RELATION_BITS = 0x1f;
const BINARY_HASH = /^[A-Za-z0-9_-]{16}$/;

/**
 * The finished records of a job, by externalId, exactly, in typed arrays: a
 * million of them in about 45 MB, a fraction of a Map of strings
 * (`npm run bench:sync` measures a resumed import).
 *
 * An id's two 32-bit hashes lead to its record number (util/id-set.ts); the id
 * itself is kept (its UTF-8 bytes in one arena) and compared, so two ids that
 * share both hashes are never taken for one: the second goes to a small exact
 * map. Per record: its relation and whether a base follows its write (a
 * byte), its body hash (12 bytes) and where its last write's line is in the
 * journal (8 bytes): its contact and base are read from there when asked.
 */
export class DoneRecords {
  private index = new IdSet(1024);
  private offsets = new Uint32Array(1024 + 1);
  private arena = Buffer.allocUnsafe(16 * 1024);
  private arenaUsed = 0;
  private relations = new Uint8Array(1024);
  private hashes = Buffer.allocUnsafe(1024 * HASH_BYTES);
  /** Per record, the journal offset of its last write's line; NaN for none. 8 bytes a record: no contact id or base is held in memory. */
  private writes = new Float64Array(1024).fill(NaN);
  /**
   * Records whose last write (a sync that wrote nothing) carried no updatedAt:
   * the offset of the earlier write whose updatedAt is still the job's last
   * (ownership/created-by-job.ts). Few.
   */
  private readonly leftAtLines = new Map<number, number>();
  private records = 0;
  private live = 0;
  /** Ids whose hashes another id had first: exact, and almost always empty. */
  private readonly collided = new Map<string, number>();
  private readonly oddHashes = new Map<number, string>();
  private scratch = Buffer.allocUnsafe(256);

  /** A record's write: what the job is to its contact, its body's hash, and where its line is (`writeAt`). */
  set(externalId: string, relation: Relation, hash: string | undefined, writeAt?: number): void {
    const k = this.recordOf(externalId) ?? this.add(externalId);
    if (this.relations[k] === DELETED || this.relations[k] === undefined) this.live++;
    const binary = hash !== undefined && BINARY_HASH.test(hash);
    // A new write: its base, if any, is marked after (markBase).
    this.relations[k] = CODE[relation] | (hash === undefined ? NO_HASH : binary ? 0 : ODD_HASH);
    if (binary) this.hashes.write(hash, k * HASH_BYTES, HASH_BYTES, 'base64url');
    this.writes[k] = writeAt ?? NaN;
    this.leftAtLines.delete(k);
    if (hash !== undefined && !binary) this.oddHashes.set(k, hash);
    else this.oddHashes.delete(k);
  }

  /**
   * A sync's PATCH: the hash changes, the relation stays. `withUpdatedAt`
   * false: the write carried no updatedAt (it wrote nothing), so the job's
   * last updatedAt stays the one of the write before.
   */
  rehash(externalId: string, hash: string, writeAt?: number, withUpdatedAt = true): void {
    const k = this.recordOf(externalId);
    const before = k === undefined ? DELETED : this.relations[k]!;
    const leftAtLine = k === undefined || withUpdatedAt ? undefined : (this.leftAtLines.get(k) ?? this.writes[k]);
    this.set(externalId, before === DELETED ? 'created' : RELATIONS[before & RELATION_BITS]!, hash, writeAt);
    if (leftAtLine !== undefined && !Number.isNaN(leftAtLine)) this.leftAtLines.set(k!, leftAtLine);
  }

  /** --delete-missing deleted its contact: the record is new again if it comes back. */
  delete(externalId: string): void {
    const k = this.recordOf(externalId);
    if (k === undefined || this.relations[k] === DELETED) return;
    this.relations[k] = DELETED;
    this.live--;
  }

  get(externalId: string): Done | undefined {
    const k = this.recordOf(externalId);
    return k === undefined ? undefined : this.at(k);
  }

  /** The record's last write left its base on the next line. */
  markBase(externalId: string): void {
    const k = this.recordOf(externalId);
    if (k !== undefined && this.relations[k] !== DELETED) this.relations[k] = this.relations[k]! | HAS_BASE;
  }

  /** Where the line is whose updatedAt is the job's last write of the record's contact (its last write's, unless that carried none). */
  leftAtLine(externalId: string): number | undefined {
    const k = this.recordOf(externalId);
    if (k === undefined) return undefined;
    const at = this.leftAtLines.get(k) ?? this.writes[k]!;
    return Number.isNaN(at) ? undefined : at;
  }

  /** Each finished record, in the order they were first finished. */
  *entries(): Generator<[string, Done]> {
    for (let k = 0; k < this.records; k++) {
      const done = this.at(k);
      if (done !== undefined) yield [this.arena.toString('utf8', this.offsets[k], this.offsets[k + 1]), done];
    }
  }

  private at(k: number): Done | undefined {
    const code = this.relations[k]!;
    if (code === DELETED) return undefined;
    const hash =
      code & NO_HASH
        ? undefined
        : code & ODD_HASH
          ? this.oddHashes.get(k)
          : this.hashes.toString('base64url', k * HASH_BYTES, (k + 1) * HASH_BYTES);
    const writeAt = this.writes[k]!;
    return {
      relation: RELATIONS[code & RELATION_BITS]!,
      hash,
      ...(!Number.isNaN(writeAt) && { writeAt }),
      ...(code & HAS_BASE && { hasBase: true as const }),
    };
  }

  has(externalId: string): boolean {
    return this.get(externalId) !== undefined;
  }

  get size(): number {
    return this.live;
  }

  /**
   * The lengths of the digit runs that end finished records' ids and start
   * with a zero ("000123" → 6, "crm-0042" → 4): the widths an id of the same
   * form would be padded to (job/id-form.ts). Read from the ids' bytes, once.
   */
  paddedDigitWidths(): number[] {
    const widths = new Set<number>();
    for (let k = 0; k < this.records; k++) {
      const start = this.offsets[k]!;
      const end = this.offsets[k + 1]!;
      let i = end;
      while (i > start && this.arena[i - 1]! >= 0x30 && this.arena[i - 1]! <= 0x39) i--;
      if (end - i >= 2 && this.arena[i] === 0x30) widths.add(end - i);
    }
    return [...widths].sort((a, b) => a - b);
  }

  /** How many finished records have each relation. */
  countByRelation(): Record<Relation, number> {
    const out: Record<Relation, number> = { created: 0, existing: 0, updated: 0, adopted: 0 };
    for (let k = 0; k < this.records; k++) {
      const code = this.relations[k]!;
      if (code !== DELETED) out[RELATIONS[code & RELATION_BITS]!]++;
    }
    return out;
  }

  /**
   * What a checkpoint saves (journal/checkpoint.ts): its shape, and its
   * arrays' bytes, cut to the records they hold: views of its memory, not
   * copies, to be written before anything changes them.
   */
  snapshot(): { shape: DoneShape; sections: Record<DoneSection, Buffer> } {
    const n = this.records;
    const index = this.index.snapshot();
    const bytes = (a: Uint8Array | Uint32Array | Float64Array, length: number) =>
      Buffer.from(a.buffer, a.byteOffset, length * a.BYTES_PER_ELEMENT);
    return {
      shape: {
        records: n,
        live: this.live,
        arenaBytes: this.arenaUsed,
        collided: [...this.collided],
        oddHashes: [...this.oddHashes],
        leftAtLines: [...this.leftAtLines],
        index: { capacity: index.capacity, count: index.count },
      },
      sections: {
        offsets: bytes(this.offsets, n + 1),
        arena: bytes(this.arena, this.arenaUsed),
        relations: bytes(this.relations, n),
        hashes: bytes(this.hashes, n * HASH_BYTES),
        writes: bytes(this.writes, n),
        index: bytes(index.table, index.table.length),
      },
    };
  }

  /**
   * The records of a snapshot: `fill` copies each section's bytes straight
   * into the arrays, sized as a replay of them would have left them (room to
   * grow), so a load holds no second copy of them.
   */
  static restore(shape: DoneShape, fill: (section: DoneSection, into: Buffer) => void): DoneRecords {
    const n = shape.records;
    if (shape.live > n || shape.index.count > n) throw new RangeError('finished records of another shape');
    const done = new DoneRecords();
    let capacity = 1024;
    while (capacity <= n) capacity *= 2;
    const into = (a: Uint8Array | Uint32Array | Float64Array, length: number) =>
      Buffer.from(a.buffer, a.byteOffset, length * a.BYTES_PER_ELEMENT);
    done.offsets = new Uint32Array(capacity + 1);
    fill('offsets', into(done.offsets, n + 1));
    done.arena = Buffer.allocUnsafe(Math.max(16 * 1024, Math.ceil(shape.arenaBytes * 1.25)));
    fill('arena', done.arena.subarray(0, shape.arenaBytes));
    done.relations = new Uint8Array(capacity);
    fill('relations', into(done.relations, n));
    done.hashes = Buffer.allocUnsafe(capacity * HASH_BYTES);
    fill('hashes', done.hashes.subarray(0, n * HASH_BYTES));
    done.writes = new Float64Array(capacity).fill(NaN);
    fill('writes', into(done.writes, n));
    const table = new Uint32Array(shape.index.capacity * 3);
    fill('index', into(table, table.length));
    if (done.offsets[n] !== shape.arenaBytes) throw new RangeError('finished records of another shape');
    done.index = IdSet.restore({ ...shape.index, table });
    done.arenaUsed = shape.arenaBytes;
    done.records = n;
    done.live = shape.live;
    for (const [id, k] of shape.collided) done.collided.set(id, k);
    for (const [k, hash] of shape.oddHashes) done.oddHashes.set(k, hash);
    for (const [k, at] of shape.leftAtLines) done.leftAtLines.set(k, at);
    return done;
  }

  /** The record number of `externalId`, or undefined. */
  private recordOf(externalId: string): number | undefined {
    const k = this.index.get(externalId);
    if (k === undefined) return undefined;
    return this.idIs(k, externalId) ? k : this.collided.get(externalId);
  }

  private add(externalId: string): number {
    const k = this.records++;
    this.room(k, Buffer.byteLength(externalId));
    this.arenaUsed += this.arena.write(externalId, this.arenaUsed);
    this.offsets[k + 1] = this.arenaUsed;
    this.relations[k] = DELETED;
    // Another id holds these hashes already: this one is found through the exact map.
    if (this.index.get(externalId) !== undefined) this.collided.set(externalId, k);
    else this.index.set(externalId, k);
    return k;
  }

  private idIs(k: number, externalId: string): boolean {
    const start = this.offsets[k]!;
    const length = this.offsets[k + 1]! - start;
    if (this.scratch.length < externalId.length * 3) this.scratch = Buffer.allocUnsafe(externalId.length * 3);
    const n = this.scratch.write(externalId);
    return n === length && this.scratch.compare(this.arena, start, start + length, 0, n) === 0;
  }

  /** Room for record k and `bytes` more of id. */
  private room(k: number, bytes: number): void {
    if (k + 1 >= this.relations.length) {
      const n = this.relations.length * 2;
      const offsets = new Uint32Array(n + 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const relations = new Uint8Array(n);
      relations.set(this.relations);
      this.relations = relations;
      const hashes = Buffer.allocUnsafe(n * HASH_BYTES);
      this.hashes.copy(hashes);
      this.hashes = hashes;
      const writes = new Float64Array(n).fill(NaN);
      writes.set(this.writes);
      this.writes = writes;
    }
    if (this.arenaUsed + bytes > this.arena.length) {
      const arena = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + bytes));
      this.arena.copy(arena, 0, 0, this.arenaUsed);
      this.arena = arena;
    }
  }
}
