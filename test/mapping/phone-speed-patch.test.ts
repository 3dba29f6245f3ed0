import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';

// patches/ makes libphonenumber-js compile each metadata pattern once, drops
// a costly spread helper from parsing, and walks digits without allocating
// (npm's postinstall runs patch-package). Without it phones still normalise, only
// slower, so nothing else would notice a patch that silently stopped applying.
describe('the libphonenumber-js speed patch', () => {
  const patch = readdirSync(join(ROOT, 'patches')).find((f) => f.startsWith('libphonenumber-js+'));
  const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules/libphonenumber-js/package.json'), 'utf8')) as { version: string };

  it('is made for the installed version', () => {
    expect(patch).toBe(`libphonenumber-js+${installed.version}.patch`);
  });

  it.each([
    ['es6', 'helpers/matchesEntirely.js', 'compiledPatterns.get(regularExpressionText)'],
    ['build', 'helpers/matchesEntirely.js', 'compiledPatterns.get(regularExpressionText)'],
    ['es6', 'parsePhoneNumberWithError_.js', 'Object.assign({}, options, {'],
    ['build', 'parsePhoneNumberWithError_.js', 'Object.assign({}, options, {'],
    ['es6', 'parseIncompletePhoneNumber.js', 'for (var i = 0; i < string.length; i++)'],
    ['build', 'parseIncompletePhoneNumber.js', 'for (var i = 0; i < string.length; i++)'],
  ])('is applied to the %s build of %s', (build, file, marker) => {
    const source = readFileSync(join(ROOT, 'node_modules/libphonenumber-js', build, file), 'utf8');
    expect(source).toContain(marker);
  });
});
