import { oddBody, readResult, readStopsJob } from '../../src/api/read-failure.js';
import { ExitCode } from '../../src/errors.js';

test('a 200 gives its body; anything else says why, and the error it stops the job with says what to do', () => {
  expect(readResult({ kind: 'answer', res: { status: 200, body: { data: [] } } })).toEqual({
    kind: 'body',
    body: { data: [] },
  });

  const cases = [
    [
      { kind: 'gaveUp', code: 'NETWORK_TIMEOUT', message: 'no answer after 4 attempts', mayHaveChanged: false },
      'no answer after 4 attempts',
      'run the same command again when the API answers',
    ],
    [{ kind: 'stopped', sent: false }, 'stopped', 'run the same command again to continue'],
    [
      { kind: 'answer', res: { status: 403, body: { message: 'Forbidden' } } },
      /^the API answered 403: .*Forbidden/,
      /^check the API key's workspace and permissions/,
    ],
  ] as const;
  for (const [result, why, hint] of cases) {
    const read = readResult(result);
    if (read.kind !== 'failed') throw new Error(`expected a failure for ${result.kind}`);
    const err = readStopsJob('USERS_FAILED', "reading the workspace's users (page 2)", read.failure);
    expect(err).toMatchObject({ code: 'USERS_FAILED', exitCode: ExitCode.aborted });
    expect(err.message).toMatch(/^reading the workspace's users \(page 2\): .*; nothing was sent$/);
    expect(read.failure.why).toMatch(why);
    expect(err.message).toContain(read.failure.why);
    expect(err.hint).toMatch(hint);
  }
  expect(readStopsJob('LISTING_FAILED', 'reading contacts', oddBody('a page of contacts')).message).toBe(
    'reading contacts: the API answered 200 with a body that is not a page of contacts; nothing was sent',
  );
});
