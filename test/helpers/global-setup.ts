import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Tests that spawn the CLI run the build in dist/, the others the sources: a
 * build older than the sources would test old code without a word. `npm test`
 * builds first; a bare `jest` after an edit is stopped here instead.
 */
export default function globalSetup(): void {
  const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
  const built = join(root, 'dist', 'src', 'cli.js');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    throw new Error(`${built} is missing: run \`npm run build\` (or \`npm test\`, which builds first)`);
  }
  const newest = (dir: string): [string, number] =>
    readdirSync(dir, { withFileTypes: true }).reduce<[string, number]>(
      (best, e) => {
        const path = join(dir, e.name);
        const cand: [string, number] = e.isDirectory() ? newest(path) : [path, statSync(path).mtimeMs];
        return cand[1] > best[1] ? cand : best;
      },
      ['', 0],
    );
  const [file, at] = newest(join(root, 'src'));
  if (at > builtAt)
    throw new Error(
      `${file} is newer than the build in dist/: run \`npm run build\` (or \`npm test\`, which builds first)`,
    );
}
