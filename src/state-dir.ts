import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/**
 * The state directory a job uses when none is given: beside the input, named
 * after it. An input that is a failures.csv inside a state directory (a rerun
 * of failures) belongs to that job, so resume state is shared with it.
 */
export function defaultStateDir(input: string): string {
  const dir = dirname(input);
  if (basename(input) === 'failures.csv' && existsSync(join(dir, 'summary.json'))) return dir;
  return join(dir, `${basename(input, extname(input))}.openphone-import`);
}
