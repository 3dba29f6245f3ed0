import { hashes, IdSet } from '../../src/util/id-set.js';

test('IdSet keeps every id with its value through growth, and knows what it has not seen', () => {
  const set = new IdSet(4);
  for (let i = 0; i < 50_000; i++) set.set(`id-${i}`, i + 2);
  expect(set.size).toBe(50_000);
  // Collected, then asserted once: an expect per id made this test take 10 s.
  const wrong: number[] = [];
  for (let i = 0; i < 50_000; i++) if (set.get(`id-${i}`) !== i + 2) wrong.push(i);
  for (let i = 50_000; i < 60_000; i++) if (set.has(`id-${i}`)) wrong.push(i);
  expect(wrong).toEqual([]);
  set.set('id-7', 99);
  expect(set.get('id-7')).toBe(99);
  expect(set.size).toBe(50_000);
});

test('an IdSet started at an eighth doubles to the size it was expected to need, no further, and keeps every id', () => {
  const full = new IdSet(100_000);
  const small = new IdSet(100_000, 3);
  expect(small.byteLength).toBeLessThanOrEqual(Math.ceil(full.byteLength / 8) + 12);
  for (let i = 0; i < 100_000; i++) small.set(`id-${i}`, i);
  expect(small.byteLength).toBeGreaterThanOrEqual(full.byteLength);
  expect(small.byteLength).toBeLessThanOrEqual(full.byteLength + 8 * 12);
  const wrong: number[] = [];
  for (let i = 0; i < 100_000; i++) if (small.get(`id-${i}`) !== i) wrong.push(i);
  expect(wrong).toEqual([]);
  expect(small.has('id-100000')).toBe(false);
});

test('IdSet tells apart ids that differ only in order, case or length', () => {
  const set = new IdSet();
  set.set('ab', 1);
  expect(set.has('ba')).toBe(false);
  expect(set.has('AB')).toBe(false);
  expect(set.has('ab\u0000')).toBe(false);
  expect(set.has('')).toBe(false);
  set.set('', 5);
  expect(set.get('')).toBe(5);
});

test('IdSet.deleteHashed: after any mix of sets and deletes (crowded tables, runs wrapping around the end) it holds exactly what a Map holds', () => {
  let seed = 7;
  const random = () => ((seed = Math.imul(seed ^ (seed >>> 13), 0x5bd1e995) + 0x6d2b79f5) >>> 0) / 4294967296;
  for (const keys of [12, 40, 300]) {
    // Few distinct ids in a small table: long runs, collisions of the home slot, wrap-around.
    const set = new IdSet(16);
    const model = new Map<string, number>();
    const wrong: string[] = [];
    for (let step = 0; step < 20_000; step++) {
      const id = `id-${Math.floor(random() * keys)}`;
      const [h1, h2] = hashes(id);
      if (random() < 0.5) {
        set.setHashed(h1, h2, step);
        model.set(id, step);
      } else if (set.deleteHashed(h1, h2) !== model.delete(id)) {
        wrong.push(`step ${step}: delete ${id}`);
      }
      if (set.size !== model.size) wrong.push(`step ${step}: size ${set.size}, expected ${model.size}`);
    }
    for (let k = 0; k < keys; k++) if (set.get(`id-${k}`) !== model.get(`id-${k}`)) wrong.push(`id-${k}`);
    expect(wrong).toEqual([]);
  }
});
