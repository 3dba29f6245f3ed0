import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { ROOT } from '../helpers/paths.js';

// The openphone-import command gets its V8 flags from its first line; the
// benchmark reads them from NODE_FLAGS. Both must say the same.
describe('the command line of the openphone-import command', () => {
  it('passes NODE_FLAGS to node', () => {
    const firstLine = readFileSync(join(ROOT, 'src', 'cli.ts'), 'utf8').split('\n', 1)[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('is what the build ships as the bin', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = readFileSync(join(ROOT, pkg.bin['openphone-import']!), 'utf8').split('\n', 1)[0];
    expect(bin).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });
});
