import { SeenStrings } from '../../src/util/seen-strings.js';
import { splitCell } from '../../src/mapping/transforms/split.js';

test('SeenStrings reports repeats, before and after it outgrows its short list', () => {
  const seen = new SeenStrings();
  const added: boolean[] = [];
  for (let round = 0; round < 2; round++) for (let i = 0; i < 40; i++) added.push(seen.add(`v${i}`));
  expect(added.slice(0, 40).every((a) => a)).toBe(true);
  expect(added.slice(40).some((a) => a)).toBe(false);
  expect(seen.add('V1')).toBe(true); // case matters: callers lower-case where it should not
});

test('a cell with many values keeps each once, in order', () => {
  const cell = Array.from({ length: 20_000 }, (_, i) => `tag${i % 5_000}`).join(';');
  const values = splitCell(cell, ';');
  expect(values).toHaveLength(5_000);
  expect(values.slice(0, 3)).toEqual(['tag0', 'tag1', 'tag2']);
  expect(values[4_999]).toBe('tag4999');
});
