import { parseConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/resolved.js';

/** A resolved config from an object literal, as if read from `test.json`. */
export function configFrom(value: unknown): ResolvedConfig {
  return parseConfig(JSON.stringify(value), 'test.json');
}

/** The message of the error `fn` throws (fails the test if it does not throw). */
export function errorOf(fn: () => unknown): Error & { code?: string; exitCode?: number; hint?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}
