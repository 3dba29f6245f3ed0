import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatStatus, jobStatus } from '../../src/rollback/status.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

const header = {
  t: 'header',
  format: 'openphone-import-journal',
  version: 1,
  mappingHash: 'h',
  baseUrl: 'x',
  createdAt: 'x',
};
const start = { t: 'run', event: 'start', at: '2026-12-01T10:00:00.000Z', pid: 11, input: 'crm.csv' };
const end = {
  t: 'run',
  event: 'end',
  at: '2026-12-01T10:05:00.000Z',
  pid: 11,
  exitCode: 1,
  counts: { read: 17, updated: 1, unchanged: 13, duplicate: 1, failed: 2 },
};
/** A state directory with this journal, and the reports a run leaves that status must not need. */
const stateWith = (events: object[]) => {
  const state = join(dir(), 'state');
  mkdirSync(state, { mode: 0o700 });
  writeFileSync(join(state, 'journal.jsonl'), `${[header, ...events].map((e) => JSON.stringify(e)).join('\n')}\n`);
  return state;
};

test("the last run's failures by why, from its end in the journal: the record's data, a duplicate, the API's refusal, or a request that did not get through", async () => {
  const failedBy = {
    EMAIL_INVALID: 1,
    CONTROL_CHARACTER: 1,
    DUPLICATE_EXTERNAL_ID: 1,
    API_422_0800422: 1,
    API_403_0801403: 1,
    NETWORK_TIMEOUT: 1,
    API_503_0801503: 1,
    LOOKUP_FAILED: 1,
    RATE_LIMITED: 1,
  };
  const state = stateWith([start, { ...end, failedBy }]);
  const s = await jobStatus(state);
  expect(s.failuresReport).toMatchObject({ rows: 9, invalid: 2, duplicate: 1, refusedByApi: 2, notThrough: 4 });
});

describe('the last run, from the journal alone', () => {
  test('a run refused at start-up is in the journal, after the last run that sent, with its reason and hint', async () => {
    const refusedAt = '2026-12-02T08:00:00.000Z';
    const state = stateWith([
      start,
      end,
      { ...start, at: refusedAt, pid: 12 },
      {
        ...end,
        at: refusedAt,
        pid: 12,
        exitCode: 3,
        counts: { read: 0 },
        aborted: "reading the workspace's custom fields: connection refused; nothing was sent",
        hint: 'run the same command again when the API answers',
      },
    ]);
    const s = await jobStatus(state);
    expect(s.runs).toBe(2);
    expect(s.lastRun).toMatchObject({
      startedAt: refusedAt,
      exitCode: 3,
      abortedBecause: expect.stringMatching(/connection refused/),
      abortHint: 'run the same command again when the API answers',
    });
    expect(formatStatus(s)).toMatch(
      / {2}ABORTED: .*connection refused.*\n {2}hint: run the same command again when the API answers/,
    );
  });

  test('a run aborted midway: its reason and hint', async () => {
    const aborted = {
      ...end,
      exitCode: 3,
      counts: { read: 40, created: 30, notSent: 10 },
      aborted: 'the API rejected the API key (401 Unauthorized)',
      hint: 'check OPENPHONE_API_KEY',
    };
    const s = await jobStatus(stateWith([start, aborted]));
    expect(s.lastRun).toMatchObject({
      exitCode: 3,
      abortedBecause: 'the API rejected the API key (401 Unauthorized)',
      abortHint: 'check OPENPHONE_API_KEY',
    });
    expect(formatStatus(s)).toMatch(
      / {2}ABORTED: the API rejected the API key \(401 Unauthorized\)\n {2}hint: check OPENPHONE_API_KEY/,
    );
  });

  test('a run killed before its end: no counts are taken for it', async () => {
    const killed = { ...start, at: '2026-12-03T09:00:00.000Z', pid: 12 };
    const s = await jobStatus(stateWith([start, end, killed]));
    expect(s.lastRun).toMatchObject({ startedAt: killed.at, pid: 12 });
    expect(s.lastRun?.endedAt).toBeUndefined();
    expect(s.lastSummary).toBeUndefined();
    expect(formatStatus(s)).toMatch(
      /left of the input: not known \(the last run did not record its end\); the same command continues/,
    );
  });
});

test('during a run, its requests on their way are told from the records an earlier run left in doubt', async () => {
  const { hostname } = await import('node:os');
  const state = join(dir(), 'state');
  mkdirSync(state, { mode: 0o700 });
  const running = Date.parse('2026-12-07T08:00:00.000Z');
  const events = [
    { t: 'attempt', id: 'old', line: 2, at: running - 86_400_000 },
    { t: 'run', event: 'start', at: new Date(running).toISOString(), pid: process.pid, input: 'crm.csv' },
    { t: 'attempt', id: 'a', line: 3, at: running + 1000 },
    { t: 'attempt', id: 'b', line: 4, at: running + 2000 },
  ];
  writeFileSync(join(state, 'journal.jsonl'), `${[header, ...events].map((e) => JSON.stringify(e)).join('\n')}\n`);
  // The lock of a live process (this one), taken when the run began.
  writeFileSync(
    join(state, 'lock'),
    JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date(running).toISOString(), token: 't' }),
  );
  const s = await jobStatus(state);
  expect(s).toMatchObject({ inDoubt: 1, inFlight: 2 });
  expect(formatStatus(s)).toMatch(
    /in doubt: 1 \(sent, outcome unknown.*\); on their way: 2 \(requests of the run going on/,
  );
});
