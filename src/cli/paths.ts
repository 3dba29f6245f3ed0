import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the package is: the nearest folder above this module whose package.json is openphone-import's (dist/ or the sources alike). */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'openphone-import'
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`openphone-import's package.json not found above ${from}`);
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const DEMO_CONFIG = join(packageRoot, 'fixtures', 'demo.config.json');
export const DEMO_INPUT = join(packageRoot, 'fixtures', 'demo.csv');
export const DEMO_WORKSPACE = join(packageRoot, 'fixtures', 'demo-workspace.jsonl');
