import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countLines } from '../src/util/count-lines.js';
import { useTempDir } from './helpers/temp-dir.js';

describe('countLines', () => {
  const dir = useTempDir();
  test.each([['a\nb\nc\n', 3], ['a\nb\nc', 3], ['', 0], ['\n', 1]])('%j has %i lines', async (text, n) => {
    const f = join(dir(), 'f.csv');
    writeFileSync(f, text);
    expect(await countLines(f)).toBe(n);
  });
});
