import { UsageError } from '../errors.js';

/**
 * The API key from the environment (never a flag: argv shows in `ps` and shell
 * history), with the white space a copy and paste leaves around it trimmed.
 * A key with a line break or another control character inside cannot travel in
 * an HTTP header: refused with its position, never its text.
 */
export function apiKeyFrom(value: string | undefined): string | undefined {
  const key = value?.trim();
  if (key === undefined || key === '') return undefined;
  const bad = [...key].findIndex((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (bad >= 0) {
    const what = key.charCodeAt(bad) === 0x0a || key.charCodeAt(bad) === 0x0d ? 'a line break' : 'a control character';
    throw new UsageError(
      'API_KEY_INVALID',
      `OPENPHONE_API_KEY has ${what} inside it (character ${bad + 1} of ${key.length}); an HTTP header cannot carry it`,
      { hint: `set the key again on one line, e.g. export OPENPHONE_API_KEY="$(tr -d '\\r\\n' < keyfile)"` },
    );
  }
  return key;
}
