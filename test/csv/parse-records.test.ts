import { parseRecords, type ParsedRecord } from '../../src/csv/parse-records.js';

/** Parses `text` cut into chunks of `chunk` characters, with a record cap of `max` bytes. */
async function parseAll(text: string, chunk: number, max: number): Promise<ParsedRecord[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += chunk) chunks.push(text.slice(i, i + chunk));
  const out: ParsedRecord[] = [];
  for await (const batch of parseRecords(chunks, ',', 1, max)) out.push(...batch);
  return out;
}

const shape = (records: ParsedRecord[]) =>
  records.map((r) => (r.kind === 'fields' ? [r.line, ...r.fields] : [`skipped@${r.line}-${r.endLine}`]));

describe('a record has a byte cap, and parsing goes on after it', () => {
  test('a stray quote that swallows the lines after it past the cap: its line alone is malformed, "record too long", and every line after it is read', async () => {
    const rows = ['id,name,email'];
    // A comma inside the opened quote: read without quotes, the line has one field too many, so only the cap ends it.
    rows.push('1,"Smith, Ada,ada@example.com');
    for (let i = 2; i < 60; i++) rows.push(`${i},Name${i},user${i}@example.com`);
    for (const chunk of [7, 64, 100_000]) {
      const records = await parseAll(`${rows.join('\n')}\n`, chunk, 400);
      expect(
        records.filter((r) => r.kind === 'skipped').map((r) => [r.line, r.kind === 'skipped' && r.message]),
      ).toEqual([[2, expect.stringMatching(/^record too long: over 400 bytes/)]]);
      expect(records.filter((r) => r.kind === 'fields').map((r) => r.line)).toEqual([
        1,
        ...Array.from({ length: 58 }, (_, i) => i + 3),
      ]);
      const bad = records[1]!;
      expect(bad.kind === 'skipped' && [bad.raw, bad.fields]).toEqual([
        '1,"Smith, Ada,ada@example.com',
        ['1', '"Smith', ' Ada', 'ada@example.com'],
      ]);
    }
  });

  test('one line longer than the cap (a file pasted into a cell): its start kept and marked as cut, no field of it given, the records after it read', async () => {
    const long = `2,${'x'.repeat(10_000)},long@example.com`;
    const text = `id,name,email\n1,Ada,ada@example.com\n${long}\n3,Grace,grace@example.com\n`;
    for (const chunk of [50, 1024, 100_000]) {
      const records = await parseAll(text, chunk, 500);
      expect(shape(records)).toEqual([
        [1, 'id', 'name', 'email'],
        [2, '1', 'Ada', 'ada@example.com'],
        ['skipped@3-3'],
        [4, '3', 'Grace', 'grace@example.com'],
      ]);
      const bad = records[2]!;
      expect(bad.kind === 'skipped' && bad.fields).toEqual([]);
      expect(bad.kind === 'skipped' && bad.raw).toMatch(
        new RegExp(`^2,x{4094}… \\[cut: ${long.length} characters in all\\]$`),
      );
      expect(bad.kind === 'skipped' && bad.message).toMatch(/record too long.*one line of 10019 characters/);
    }
  });

  test('the last line, without a line end, longer than the cap', async () => {
    const records = await parseAll(`id,name\n1,Ada\n2,${'y'.repeat(2000)}`, 300, 500);
    expect(shape(records)).toEqual([[1, 'id', 'name'], [2, '1', 'Ada'], ['skipped@3-3']]);
  });

  test('a quoted cell over several lines, under the cap, is one record; over it, the record is malformed and its later lines are read as records', async () => {
    const text = 'id,note\n1,"line one\nline two"\n2,x\n';
    expect(shape(await parseAll(text, 5, 500))).toEqual([
      [1, 'id', 'note'],
      [2, '1', 'line one\nline two'],
      [4, '2', 'x'],
    ]);
    expect(shape(await parseAll(text, 5, 12))).toEqual([
      [1, 'id', 'note'],
      ['skipped@2-2'],
      ['skipped@3-3'],
      [4, '2', 'x'],
    ]);
  });
});

test('thousands of stray quotes: each line reported alone, every other record read, no recursion (no stack overflow), line numbers exact', async () => {
  const rows = ['id,name,email'];
  for (let i = 0; i < 50_000; i++)
    rows.push(i % 10 === 3 ? `${i},"Ada,ada${i}@example.com` : `${i},First${i},user${i}@example.com`);
  const records = await parseAll(`${rows.join('\n')}\n`, 16 * 1024, 1024 * 1024);
  const skipped = records.filter((r) => r.kind === 'skipped');
  expect(skipped.length).toBe(5_000);
  expect(skipped.slice(0, 2).map((r) => [r.line, r.kind === 'skipped' && r.raw])).toEqual([
    [5, '3,"Ada,ada3@example.com'],
    [15, '13,"Ada,ada13@example.com'],
  ]);
  const fields = records.filter((r) => r.kind === 'fields');
  expect(fields.length).toBe(45_001);
  // Every record on the line that holds it: row i is on line i + 2.
  expect(fields.every((r) => r.line === 1 || (r.kind === 'fields' && Number(r.fields[0]) + 2 === r.line))).toBe(true);
}, 60_000);
