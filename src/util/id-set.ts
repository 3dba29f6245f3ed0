/**
 * A set of strings (externalIds) that remembers a number for each (the line
 * first seen), in one typed array: 12 bytes a slot instead of ~150 for a Map of
 * strings, so a million ids take 15 MB and a dry run's memory stays flat; one
 * slot's words sit together, so a probe costs one cache miss, not three.
 *
 * Ids are kept as two independent 32-bit hashes (64 bits). Two different ids
 * share both only with probability ~n²/2^65 (3e-8 for a million ids), and the
 * cost of that would be one record reported as a duplicate of another, not a
 * lost or doubled contact: acceptable for a duplicate check.
 */
export class IdSet {
  /** Slots of three: hash high, hash low, value. (0, 0) marks an empty slot. */
  private table: Uint32Array;
  private capacity: number;
  private count = 0;

  /**
   * Linear probing stays short up to this load (a miss probes ~13 slots on
   * average at 0.8, within three cache lines); beyond it the table doubles.
   */
  private static readonly MAX_LOAD = 0.8;

  /**
   * `expected`: how many ids the caller expects (an upper bound is best). The
   * table is sized for exactly that, not rounded up to a power of two, and it
   * never grows past it unless more come.
   *
   * `doublings`: start at 1/2^doublings of that size and double on the way, so
   * a big table is not allocated while the process starts: V8 takes a large
   * allocation then as a reason to size the heap at several times what is
   * live. A doubling holds the old and the new table at once: the last one,
   * 1.5 times the final size, comes halfway through, when V8 sizes the heap
   * from the run's own rate.
   */
  constructor(expected = 1024, doublings = 0) {
    const full = Math.ceil(Math.max(16, expected) / IdSet.MAX_LOAD);
    this.capacity = Math.max(16, Math.ceil(full / 2 ** doublings));
    this.table = new Uint32Array(this.capacity * 3);
  }

  get size(): number {
    return this.count;
  }

  /** The table's memory. */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /** Its table as it is, to be saved (journal/checkpoint.ts); `restore` makes the same set again. */
  snapshot(): IdSetSnapshot {
    return { capacity: this.capacity, count: this.count, table: this.table };
  }

  static restore(saved: IdSetSnapshot): IdSet {
    if (saved.table.length !== saved.capacity * 3 || saved.count > saved.capacity * IdSet.MAX_LOAD)
      throw new RangeError('an id set of another shape');
    const set = new IdSet(16);
    set.capacity = saved.capacity;
    set.count = saved.count;
    set.table = saved.table;
    return set;
  }

  /** The number stored for `id`, or undefined when absent. */
  get(id: string): number | undefined {
    const [h1, h2] = hashes(id);
    return this.getHashed(h1, h2);
  }

  getHashed(h1: number, h2: number): number | undefined {
    const at = this.find(h1, h2 || 1);
    return this.table[at] === 0 && this.table[at + 1] === 0 ? undefined : this.table[at + 2];
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, value: number): void {
    const [h1, h2] = hashes(id);
    this.setHashed(h1, h2, value);
  }

  setHashed(h1: number, rawH2: number, value: number): void {
    // (0, 0) is the empty marker, so a zero low hash is stored as 1: one bit less of hash.
    const h2 = rawH2 || 1;
    let at = this.find(h1, h2);
    if (this.table[at] === 0 && this.table[at + 1] === 0) {
      if (this.count + 1 > this.capacity * IdSet.MAX_LOAD) {
        this.grow();
        at = this.find(h1, h2);
      }
      this.table[at] = h1;
      this.table[at + 1] = h2;
      this.count++;
    }
    this.table[at + 2] = value >>> 0;
  }

  /**
   * Removes (h1, h2); false when it was not there. Linear probing without
   * tombstones: the entries after it in its run move back into the gap when
   * their home slot allows, so every lookup still finds them.
   */
  deleteHashed(h1: number, rawH2: number): boolean {
    const t = this.table;
    let gap = this.find(h1, rawH2 || 1);
    if (t[gap] === 0 && t[gap + 1] === 0) return false;
    for (let at = this.next(gap); t[at] !== 0 || t[at + 1] !== 0; at = this.next(at)) {
      const home = this.home(t[at]!, t[at + 1]!) * 3;
      // It stays when its home lies cyclically in (gap, at]: a lookup from there never passes the gap.
      if (gap < at ? gap < home && home <= at : gap < home || home <= at) continue;
      t[gap] = t[at]!;
      t[gap + 1] = t[at + 1]!;
      t[gap + 2] = t[at + 2]!;
      gap = at;
    }
    t[gap] = t[gap + 1] = t[gap + 2] = 0;
    this.count--;
    return true;
  }

  /** The slot where (h1, h2) is looked for first: the mixed hash scaled to [0, capacity) (multiply, keep the high part), so any capacity works. */
  private home(h1: number, h2: number): number {
    return Math.floor(((h1 ^ Math.imul(h2, 0x9e3779b1)) >>> 0) * (this.capacity / 4294967296));
  }

  /** The first word of the slot after the one at `at`, wrapping around. */
  private next(at: number): number {
    return at + 3 === this.table.length ? 0 : at + 3;
  }

  /** The slot (index of its first word) holding (h1, h2), or the empty slot where it would go. */
  private find(h1: number, h2: number): number {
    const t = this.table;
    const capacity = this.capacity;
    let slot = this.home(h1, h2);
    for (;;) {
      const at = slot * 3;
      const a = t[at]!;
      const b = t[at + 1]!;
      if ((a === h1 && b === h2) || (a === 0 && b === 0)) return at;
      if (++slot === capacity) slot = 0;
    }
  }

  private grow(): void {
    const old = this.table;
    this.capacity *= 2;
    this.table = new Uint32Array(this.capacity * 3);
    for (let at = 0; at < old.length; at += 3) {
      if (old[at] === 0 && old[at + 1] === 0) continue;
      const to = this.find(old[at]!, old[at + 1]!);
      this.table[to] = old[at]!;
      this.table[to + 1] = old[at + 1]!;
      this.table[to + 2] = old[at + 2]!;
    }
  }
}

export interface IdSetSnapshot {
  readonly capacity: number;
  readonly count: number;
  readonly table: Uint32Array;
}

/** FNV-1a and a murmur-style mix over UTF-16 code units: two independent 32-bit hashes. */
export function hashes(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
}
