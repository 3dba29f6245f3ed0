import { neutraliseCell, restoreCell } from '../../src/csv/spreadsheet-safe.js';

test.each([
  ['=1+1', "'=1+1"],
  ['+4915123456789', "'+4915123456789"],
  ['-5', "'-5"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\tx', "'\tx"],
  ['\rx', "'\rx"],
  ["'=already", "''=already"],
  ['Ada', 'Ada'],
  ["O'Brien", "O'Brien"],
  ["'quoted", "'quoted"],
  ['', ''],
])('%j is written as %j', (cell, written) => {
  expect(neutraliseCell(cell)).toBe(written);
});

test('every value survives the round trip, however many apostrophes it starts with', () => {
  const starts = ['', "'", "''", "'''"];
  const rests = ['=x', '+1', '-', '@', '\t', '\r', 'a', "'", '', ' =x'];
  for (const s of starts) for (const r of rests) expect(restoreCell(neutraliseCell(s + r))).toBe(s + r);
});
