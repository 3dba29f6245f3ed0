import { distinctColumnNames, indexHeader } from '../../src/csv/header.js';

const use = (column: string) => ({ column, configPath: 'defaultFields.phoneNumbers[0].column' });

test('a name the header repeats is told apart by its place; a literal column of that name stays itself', () => {
  expect(distinctColumnNames(['Id', 'Phone', 'Email', 'Phone'])).toEqual(['Id', 'Phone (1)', 'Email', 'Phone (2)']);
  expect(distinctColumnNames(['Phone', 'Phone', 'Phone (2)'])).toEqual(['Phone (1)', 'Phone', 'Phone (2)']);
  expect(distinctColumnNames(['', '', 'Name'])).toEqual(['', '', 'Name']);
});

test('a config names a repeated column by its place; by its name alone it is refused, naming both places', () => {
  const header = ['Id', 'Phone', 'Email', 'Phone'];
  const index = indexHeader(header, [use('Phone (2)'), use('Phone (1)'), use('Email')], 'export.csv');
  expect(index.positionOf.get('Phone (2)')).toBe(3);
  expect(index.positionOf.get('Phone (1)')).toBe(1);
  expect(index.own.map((c) => c.name)).toEqual(header);
  expect(() => indexHeader(header, [use('Phone')], 'export.csv')).toThrow(
    /column "Phone" appears 2 times in the header \(fields 2, 4\): name the one you mean by its place, "Phone \(1\)" or "Phone \(2\)"/,
  );
});
