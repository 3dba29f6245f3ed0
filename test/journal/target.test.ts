import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { checkTarget, describeTarget, keyFingerprint } from '../../src/journal/target.js';

const header = (baseUrl: string, key?: string) => ({
  t: 'header' as const,
  format: JOURNAL_FORMAT as typeof JOURNAL_FORMAT,
  version: 1,
  mappingHash: 'h',
  baseUrl,
  createdAt: 'now',
  ...(key !== undefined && { keyFingerprint: keyFingerprint(key) }),
});
const past = (baseUrl: string, key?: string) => ({
  header: header(baseUrl, key),
  target: key === undefined ? undefined : describeTarget(baseUrl, key),
});
const check = (
  p: ReturnType<typeof past> | { header: undefined; target: undefined },
  baseUrl: string,
  key: string,
  same = false,
) => checkTarget(p, describeTarget(baseUrl, key), 'journal.jsonl', same);

test('the fingerprint tells keys apart and does not contain the key', () => {
  expect(keyFingerprint('sk-one')).not.toBe(keyFingerprint('sk-two'));
  expect(keyFingerprint('sk-one')).toMatch(/^key-[0-9a-f]{12}$/);
  expect(keyFingerprint('sk-one')).not.toContain('sk-one');
});

test.each([
  ['a new job', { header: undefined, target: undefined }, 'https://api.openphone.com', 'k1', false],
  ['the same API and key', past('https://api.openphone.com', 'k1'), 'https://api.openphone.com/', 'k1', false],
  ['OpenPhone and Quo hosts are one API', past('https://api.openphone.com', 'k1'), 'https://api.quo.com', 'k1', false],
  [
    'a journal from before keys were recorded: bound now',
    past('http://127.0.0.1:4010'),
    'http://127.0.0.1:4010',
    'k1',
    true,
  ],
])('%s: accepted', (_name, p, baseUrl, key, rebind) => {
  expect(check(p, baseUrl, key)).toBe(rebind);
});

test.each([
  [
    'the sandbox, then the real API',
    past('http://127.0.0.1:4010', 'k1'),
    'https://api.openphone.com',
    'k1',
    /belongs to the API at http:\/\/127\.0\.0\.1:4010/,
  ],
  [
    'an old journal of another API',
    past('http://127.0.0.1:4010'),
    'https://api.openphone.com',
    'k1',
    /--base-url http:\/\/127\.0\.0\.1:4010/,
  ],
  [
    'another key',
    past('https://api.openphone.com', 'k1'),
    'https://api.openphone.com',
    'k2',
    /belongs to the API key key-[0-9a-f]{12}.*--same-workspace/s,
  ],
])('%s: exit 2, nothing sent', (_name, p, baseUrl, key, message) => {
  let err: { code?: string; exitCode?: number; message?: string; hint?: string } | undefined;
  try {
    check(p, baseUrl, key);
  } catch (e) {
    err = e as typeof err;
  }
  expect(err).toMatchObject({ code: 'STATE_OTHER_WORKSPACE', exitCode: 2 });
  // What is wrong, then what to do, as the CLI prints them.
  expect(`${err!.message}\nhint: ${err!.hint}`).toMatch(message);
});

test('--same-workspace accepts another key for the same API, never another API', () => {
  expect(check(past('https://api.openphone.com', 'k1'), 'https://api.openphone.com', 'k2', true)).toBe(true);
  expect(() => check(past('http://127.0.0.1:4010', 'k1'), 'https://api.openphone.com', 'k2', true)).toThrow(
    /belongs to the API at/,
  );
});
