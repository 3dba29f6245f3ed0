import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHEBANG } from '../../src/node-flags.js';
import { ROOT } from '../helpers/paths.js';

// The openphone-import command gets its environment and V8 flags from its
// first line; the benchmark reads them from NODE_ENV and NODE_FLAGS. Both must say the same.
describe('the command line of the openphone-import command', () => {
  const expected = SHEBANG;
  const firstLine = (file: string) => readFileSync(join(ROOT, file), 'utf8').split('\n', 1)[0];

  it('sets NODE_ENV and passes NODE_FLAGS to node', () => {
    expect(firstLine('src/cli.ts')).toBe(expected);
  });

  it('is what the build ships as the bin', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(firstLine(pkg.bin['openphone-import']!)).toBe(expected);
  });

  it('fits in the 127 characters of a first line that older Linux kernels read', () => {
    expect(SHEBANG.length).toBeLessThanOrEqual(127);
  });
});
