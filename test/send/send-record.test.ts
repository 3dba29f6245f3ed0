import { join } from 'node:path';
import { JOURNAL_FORMAT } from '../../src/journal/events.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { replayJournal } from '../../src/journal/replay.js';
import { LookupBatcher } from '../../src/send/lookup.js';
import { RateLimiter, type Clock } from '../../src/send/rate-limiter.js';
import { RequestStats } from '../../src/send/request-stats.js';
import { sendRecord, type SendContext } from '../../src/send/send-record.js';
import { TransportError, type ApiRequest, type ApiResponse, type Transport } from '../../src/send/transport.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();
type Step = ApiResponse | TransportError;

/** A transport that answers from a script and logs every request. */
function scripted(steps: Step[]): Transport & { log: ApiRequest[] } {
  const log: ApiRequest[] = [];
  const t = (async (req: ApiRequest) => {
    log.push(req);
    const step = steps.shift();
    if (step === undefined) throw new Error(`unscripted request ${req.method} ${req.path}`);
    if (step instanceof TransportError) throw step;
    return step;
  }) as Transport & { log: ApiRequest[] };
  t.log = log;
  return t;
}

function context(transport: Transport): SendContext & { journal: JournalWriter; sleeps: number[] } {
  const sleeps: number[] = [];
  const clock: Clock = { now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
  const stats = new RequestStats();
  const limiter = new RateLimiter(1000, { now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 };
  const journal = new JournalWriter(join(dir(), 'journal.jsonl'), { t: 'header', format: JOURNAL_FORMAT, version: 1, mappingHash: 'h', baseUrl: 'x', createdAt: 'now' });
  return {
    transport, limiter, journal, stats, retry, clock, random: () => 0.5, sleeps,
    lookup: new LookupBatcher(transport, limiter, stats, retry, clock, () => 0.5, 0),
    stopping: new AbortController().signal,
    cutInFlight: new AbortController().signal,
    settleAfterTimeoutMs: 250,
  };
}

const body = { defaultFields: { firstName: 'A' }, externalId: 'e1' };
const created = (id = 'CT1'): ApiResponse => ({ status: 201, body: { data: { id } } });
const found = (id?: string): ApiResponse => ({ status: 200, body: { data: id ? [{ id, externalId: 'e1' }] : [], nextPageToken: null } });
const send = (ctx: SendContext) => sendRecord(ctx, 'e1', 7, body, 'hash');
const paths = (t: { log: ApiRequest[] }) => t.log.map((r) => `${r.method} ${r.path}`);

async function journalAfter(ctx: SendContext & { journal: JournalWriter }) {
  ctx.journal.close();
  return replayJournal(join(dir(), 'journal.jsonl'));
}

test('201: created, journaled with the contact id', async () => {
  const t = scripted([created('CT9')]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({ kind: 'created', contactId: 'CT9', viaLookup: false });
  const state = await journalAfter(ctx);
  expect(state.created.get('e1')).toBe(7);
  expect(state.inDoubt.size).toBe(0);
});

test('a 500 is an unknown outcome: the contact is looked up, found, and never sent twice', async () => {
  const t = scripted([{ status: 500, body: { message: 'boom', code: '0801500' } }, found('CT5')]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({ kind: 'created', contactId: 'CT5', viaLookup: true });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts']);
  expect(t.log[1]!.searchParams?.getAll('externalIds')).toEqual(['e1']);
  expect(ctx.stats.toJSON()).toMatchObject({ creates: 1, lookups: 1, serverErrors: 1, retries: 1 });
});

test('a reset after sending: looked up, absent, then sent again', async () => {
  const t = scripted([new TransportError('reset', true, 'reset'), found(), created('CT2')]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'created', contactId: 'CT2' });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'POST v1/contacts']);
  expect(ctx.sleeps).toEqual([5]);
});

test('connection refused: nothing was sent, so it is retried without a lookup', async () => {
  const t = scripted([new TransportError('refused', false, 'refused'), created()]);
  expect(await send(context(t))).toMatchObject({ kind: 'created' });
  expect(paths(t)).toEqual(['POST v1/contacts', 'POST v1/contacts']);
});

test('400: failed for good with the API code and error path, not retried', async () => {
  const t = scripted([{ status: 400, body: { message: 'x', code: '0801400', title: 'Invalid Custom Field Item', errors: [{ path: '/customFields/0/value', message: 'Expected boolean' }] } }]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({ kind: 'failed', code: 'API_400_0801400', message: 'the API answered 400 Invalid Custom Field Item: /customFields/0/value: Expected boolean', retryable: false });
  const state = await journalAfter(ctx);
  expect(state.failed.get('e1')).toMatchObject({ retryable: false, body: 'hash' });
});

test.each([[403], [404], [409], [422]])('%s: failed for good', async (status) => {
  const r = await send(context(scripted([{ status, body: { message: 'no', code: `08${status}` } }])));
  expect(r).toMatchObject({ kind: 'failed', retryable: false });
});

test('401 aborts the job and marks nothing failed', async () => {
  const ctx = context(scripted([{ status: 401, body: { error: { message: 'Unauthorized' } } }]));
  await expect(send(ctx)).rejects.toMatchObject({ code: 'AUTH_REJECTED', exitCode: 3 });
  const state = await journalAfter(ctx);
  expect(state.failed.size).toBe(0);
  expect(state.inDoubt.has('e1')).toBe(true);
});

test('429 pauses the limiter and does not use up an attempt', async () => {
  const t = scripted([{ status: 429, body: {}, retryAfter: '0' }, { status: 429, body: {}, retryAfter: '0' }, { status: 429, body: {}, retryAfter: '0' }, created()]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'created' });
  expect(ctx.stats.rateLimited).toBe(3);
  expect(ctx.limiter.effectiveRate).toBeLessThan(1000);
});

test('5xx on every attempt: a final lookup, then failed and retryable', async () => {
  const err = { status: 503, body: { message: 'down', code: '0801503' } };
  const t = scripted([err, found(), err, found(), err, found()]);
  const ctx = context(t);
  const r = await send(ctx);
  expect(r).toMatchObject({ kind: 'failed', retryable: true, code: 'API_503_0801503', message: expect.stringMatching(/gave up after 3 attempts/) });
  expect(paths(t).filter((p) => p.startsWith('POST'))).toHaveLength(3);
});

test('a record an earlier run left in doubt is looked up before anything is sent', async () => {
  const t = scripted([found('CT7')]);
  expect(await sendRecord(context(t), 'e1', 7, body, 'hash', true)).toMatchObject({ kind: 'created', contactId: 'CT7', viaLookup: true });
  expect(paths(t)).toEqual(['GET v1/contacts']);
});

test('lookups are batched: up to 50 ids share one request', async () => {
  const t = scripted([{ status: 200, body: { data: [{ id: 'C3', externalId: 'x3' }], nextPageToken: null } }, { status: 200, body: { data: [], nextPageToken: null } }]);
  const ctx = context(t);
  const ids = Array.from({ length: 60 }, (_, i) => `x${i}`);
  const results = await Promise.all(ids.map((id) => ctx.lookup.find(id)));
  expect(results.filter(Boolean)).toEqual(['C3']);
  expect(t.log.map((r) => r.searchParams?.getAll('externalIds').length)).toEqual([50, 10]);
});

test('a lookup answered 429 or 500 is asked again, never taken as "not found"', async () => {
  const t = scripted([new TransportError('reset', true, 'reset'), { status: 429, body: {}, retryAfter: '0' }, { status: 500, body: {} }, found('CT8')]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({ kind: 'created', contactId: 'CT8', viaLookup: true });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'GET v1/contacts', 'GET v1/contacts']);
});

test('after a timeout the lookup waits for the server to settle', async () => {
  const t = scripted([new TransportError('timeout', true, 'timeout'), found('CT3')]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'created', contactId: 'CT3' });
  expect(ctx.sleeps).toEqual([250, 5]);
});

test('a lookup that keeps failing leaves the record failed, retryable and in doubt: never resent blindly', async () => {
  const err = { status: 500, body: {} };
  const t = scripted([new TransportError('timeout', true, 'timeout'), err, err, err]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'failed', code: 'LOOKUP_FAILED', retryable: true });
  expect(paths(t).filter((p) => p.startsWith('POST'))).toHaveLength(1);
  const state = await journalAfter(ctx);
  expect(state.inDoubt.has('e1')).toBe(true);
});
