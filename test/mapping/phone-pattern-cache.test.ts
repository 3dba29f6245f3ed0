import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';

// patches/ makes libphonenumber-js compile each metadata pattern once (npm's
// postinstall runs patch-package). Without it phones still normalise, only
// slower, so nothing else would notice a patch that silently stopped applying.
describe('the libphonenumber-js pattern cache patch', () => {
  const patch = readdirSync(join(ROOT, 'patches')).find((f) => f.startsWith('libphonenumber-js+'));
  const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules/libphonenumber-js/package.json'), 'utf8')) as { version: string };

  it('is made for the installed version', () => {
    expect(patch).toBe(`libphonenumber-js+${installed.version}.patch`);
  });

  it.each(['es6', 'build'])('is applied to the %s build', (build) => {
    const source = readFileSync(join(ROOT, 'node_modules/libphonenumber-js', build, 'helpers/matchesEntirely.js'), 'utf8');
    expect(source).toContain('compiledPatterns.get(regularExpressionText)');
  });
});
