import { DoneRecords } from '../../src/journal/done-records.js';
import { bodyHash } from '../../src/job/plan.js';

test('every id with its relation and hash, exactly, through growth; a rehash keeps the relation; a delete makes the record new', () => {
  const done = new DoneRecords();
  const n = 5000;
  for (let i = 0; i < n; i++) done.set(`id-${i}-Müller`, i % 3 === 0 ? 'adopted' : 'created', bodyHash({ i }));
  expect(done.size).toBe(n);
  for (let i = 0; i < n; i += 97)
    expect(done.get(`id-${i}-Müller`)).toEqual({
      relation: i % 3 === 0 ? 'adopted' : 'created',
      hash: bodyHash({ i }),
    });
  expect(done.get('id-5000-Müller')).toBeUndefined();
  done.rehash('id-3-Müller', bodyHash('new'));
  expect(done.get('id-3-Müller')).toEqual({ relation: 'adopted', hash: bodyHash('new') });
  done.delete('id-4-Müller');
  expect([done.has('id-4-Müller'), done.size]).toEqual([false, n - 1]);
  done.set('id-4-Müller', 'created', bodyHash({ i: 4 }));
  expect([done.get('id-4-Müller')?.relation, done.size]).toEqual(['created', n]);
  expect(done.countByRelation()).toEqual({
    created: n - Math.ceil(n / 3),
    adopted: Math.ceil(n / 3),
    existing: 0,
    updated: 0,
  });
});

test('a journal of an older version kept no hash; a hash of another form is kept as it is', () => {
  const done = new DoneRecords();
  done.set('a', 'created', undefined);
  done.set('b', 'existing', 'hand-made');
  expect([done.get('a'), done.get('b')]).toEqual([
    { relation: 'created', hash: undefined },
    { relation: 'existing', hash: 'hand-made' },
  ]);
});

test('two ids that share both 32-bit hashes are never taken for one', () => {
  const done = new DoneRecords();
  // Forge a collision: the index holds the first id's record under the second's hashes.
  const index = (
    done as unknown as { index: { get(id: string): number | undefined; set(id: string, v: number): void } }
  ).index;
  done.set('first', 'created', bodyHash(1));
  const realGet = index.get.bind(index);
  index.get = (id: string) => (id === 'second' ? realGet('first') : realGet(id));
  expect(done.get('second')).toBeUndefined();
  done.set('second', 'existing', bodyHash(2));
  expect(done.get('first')).toEqual({ relation: 'created', hash: bodyHash(1) });
  expect(done.get('second')).toEqual({ relation: 'existing', hash: bodyHash(2) });
  expect(done.size).toBe(2);
});
