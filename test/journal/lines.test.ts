import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachLine } from '../../src/journal/lines.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

async function linesOf(text: string): Promise<string[]> {
  const path = join(dir(), 'lines.txt');
  writeFileSync(path, text);
  const out: string[] = [];
  await forEachLine(path, (buf, start, end) => void out.push(buf.toString('utf8', start, end)));
  return out;
}

test("every whole line once, in order, across the reused buffer's ends; an unfinished last line is not a line", async () => {
  // Lines of every length around the 256 KB buffer, and multi-byte characters cut anywhere.
  const lines = Array.from({ length: 3000 }, (_, i) => `${i}:${'é€😀'.repeat(i % 97)}${'x'.repeat((i * 7919) % 400)}`);
  expect(await linesOf(`${lines.join('\n')}\n`)).toEqual(lines);
  expect(await linesOf(`${lines.join('\n')}\nunfinished`)).toEqual(lines);
});

test('a line longer than the buffer is passed whole', async () => {
  const long = 'y'.repeat(700 * 1024);
  expect(await linesOf(`a\n${long}\nb\n`)).toEqual(['a', long, 'b']);
});

test('empty lines are passed as empty ranges; an empty file has none', async () => {
  expect(await linesOf('\n\na\n')).toEqual(['', '', 'a']);
  expect(await linesOf('')).toEqual([]);
});
