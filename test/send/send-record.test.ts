import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { ContactRequest } from '../../src/api/contract.js';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { replayJournal } from '../../src/journal/replay.js';
import { ApiClient } from '../../src/api/client.js';
import { LookupBatcher } from '../../src/api/lookup.js';
import { RateLimiter, type Clock } from '../../src/api/rate-limiter.js';
import { RequestStats } from '../../src/api/request-stats.js';
import { sendRecord, type RecordToSend, type SendContext } from '../../src/send/send-record.js';
import { outcomeLine } from '../../src/job/recorder.js';
import { TransportError, type ApiRequest, type ApiResponse, type Transport } from '../../src/api/transport.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { readPriorStates } from '../../src/ownership/prior-states.js';

const dir = useTempDir();
type Step = ApiResponse | TransportError;

/**
 * A transport that answers from a script and logs every request. Every answer
 * carries a Date header (unless the script says otherwise), and a contact in
 * it without createdAt was made as it is served: after the attempt, as a
 * contact the attempt stored would be.
 */
function scripted(steps: Step[], options: { dates?: boolean } = {}): Transport & { log: ApiRequest[] } {
  const log: ApiRequest[] = [];
  const t = (async (req: ApiRequest) => {
    const now0 = new Date();
    // A clock probe (ApiClient.sharpenClock) is answered by the server, not the script.
    if (req.path === 'v1/contact-custom-fields')
      return { status: 200, body: { data: [] }, ...(options.dates !== false && { date: now0.toUTCString() }) };
    log.push(req);
    const step = steps.shift();
    if (step === undefined) throw new Error(`unscripted request ${req.method} ${req.path}`);
    if (step instanceof TransportError) throw step;
    const now = new Date();
    return {
      ...(options.dates !== false && { date: now.toUTCString() }),
      ...step,
      body: madeNow(step.body, now.toISOString()),
    };
  }) as Transport & { log: ApiRequest[] };
  t.log = log;
  return t;
}

/** Contacts in an answer without createdAt get `at` (and updatedAt likewise). */
function madeNow(body: unknown, at: string): unknown {
  const fill = (c: unknown) =>
    c !== null && typeof c === 'object' && 'id' in c && 'defaultFields' in c
      ? { createdAt: at, updatedAt: at, ...c }
      : c;
  if (body === null || typeof body !== 'object' || !('data' in body)) return body;
  const data = (body as { data: unknown }).data;
  return { ...body, data: Array.isArray(data) ? data.map(fill) : fill(data) };
}

function context(
  transport: Transport,
  onExisting: 'skip' | 'update' = 'skip',
  arrays: 'keep' | 'source' = 'keep',
  calibrated = true,
) {
  const sleeps: number[] = [];
  const clock: Clock = { now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
  const stats = new RequestStats();
  const limiter = new RateLimiter(1000, {
    now: () => performance.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 };
  const journal = new JournalWriter(join(dir(), 'journal.jsonl'), {
    t: 'header',
    format: JOURNAL_FORMAT,
    version: 1,
    mappingHash: 'h',
    baseUrl: 'x',
    createdAt: 'now',
  });
  const api = new ApiClient({ transport, limiter, stats, retry, clock, random: () => 0.5, settleMs: 250 });
  // The script stamps contacts on this machine's clock: as the job's earlier creates would have measured it.
  if (calibrated) api.serverClock.seed({ lo: -2, hi: 2 });
  const ctx: SendContext & { journal: JournalWriter } = {
    api,
    journal,
    lookup: new LookupBatcher(api, 0),
    onExisting,
    arrays,
  };
  return Object.assign(ctx, { sleeps, stats, limiter });
}

const body = { defaultFields: { firstName: 'A' }, externalId: 'e1' };
const created = (id = 'CT1'): ApiResponse => ({ status: 201, body: { data: { id } } });
/** A contact as the API returns it, every key present (the client checks the shape; scripted() stamps createdAt and updatedAt); `extra` sets the rest. */
const contact = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  externalId: 'e1',
  source: 'public-api',
  sourceUrl: null,
  createdByUserId: 'USowner',
  defaultFields: { firstName: 'Old', lastName: null, company: null, role: null, emails: [], phoneNumbers: [] },
  customFields: [],
  ...extra,
});
const found = (id?: string): ApiResponse => ({
  status: 200,
  body: { data: id ? [contact(id)] : [], nextPageToken: null },
});
const conflict: ApiResponse = {
  status: 409,
  body: {
    message: 'Failed to create contact',
    code: '0800409',
    status: 409,
    docs: 'https://openphone.com/docs',
    title: 'Conflict',
  },
};
/** Sends, and journals the outcome the way the import's recorder does. */
async function sendAndRecord(ctx: SendContext, rec: RecordToSend) {
  const outcome = await sendRecord(ctx, rec);
  const line = outcomeLine(rec.externalId, rec.line, 'hash', outcome);
  if (line !== undefined) ctx.journal.append(line);
  return outcome;
}
/** `inDoubt`: an earlier run's attempt, 10 s ago, got no answer. */
const send = (ctx: SendContext, inDoubt = false) =>
  sendAndRecord(ctx, {
    externalId: 'e1',
    line: 7,
    body,
    inDoubt,
    ...(inDoubt && { attemptedAt: Date.now() - 10_000 }),
  });
/** A contact the workspace had long before the job. */
const OLD = { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' };
const paths = (t: { log: ApiRequest[] }) => t.log.map((r) => `${r.method} ${r.path}`);

async function journalAfter(ctx: SendContext & { journal: JournalWriter }) {
  ctx.journal.close();
  return replayJournal(join(dir(), 'journal.jsonl'));
}

/** The contacts' states before the job's first PATCH, as a rollback reads them (the journal's prior events). */
function priorsIn(ctx: SendContext & { journal: JournalWriter }) {
  ctx.journal.flush();
  return readPriorStates(join(dir(), 'journal.jsonl'), join(dir(), 'prior.jsonl'));
}

test('201: created, journaled with the contact id', async () => {
  const t = scripted([created('CT9')]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({ kind: 'created', contactId: 'CT9', viaLookup: false });
  const state = await journalAfter(ctx);
  expect(state.done.get('e1')).toEqual({ relation: 'created', hash: 'hash', writeAt: expect.any(Number) });
  expect(state.inDoubt.size).toBe(0);
});

test('a 500 is an unknown outcome: the contact is looked up, found, and never sent twice', async () => {
  const t = scripted([{ status: 500, body: { message: 'boom', code: '0801500' } }, found('CT5')]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({
    kind: 'created',
    contactId: 'CT5',
    viaLookup: true,
    updatedAt: expect.any(String),
  });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts']);
  expect(t.log[1]!.searchParams?.getAll('externalIds')).toEqual(['e1']);
  expect(ctx.stats.toJSON()).toMatchObject({ creates: 1, lookups: 1, serverErrors: 1, retries: 1 });
});

test('a reset after sending: looked up, absent, then sent again', async () => {
  const t = scripted([new TransportError('reset', true, 'reset'), found(), created('CT2')]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'created', contactId: 'CT2' });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'POST v1/contacts']);
  // The backoff, then the rest of the settle time: the server may still be storing it.
  expect(ctx.sleeps).toEqual([5, 250]);
});

test('connection refused: nothing was sent, so it is retried without a lookup', async () => {
  const t = scripted([new TransportError('refused', false, 'refused'), created()]);
  expect(await send(context(t))).toMatchObject({ kind: 'created' });
  expect(paths(t)).toEqual(['POST v1/contacts', 'POST v1/contacts']);
});

test('400: failed for good with the API code and error path, not retried', async () => {
  const t = scripted([
    {
      status: 400,
      body: {
        message: 'x',
        code: '0801400',
        title: 'Invalid Custom Field Item',
        errors: [{ path: '/customFields/0/value', message: 'Expected boolean' }],
      },
    },
  ]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({
    kind: 'failed',
    code: 'API_400_0801400',
    message: 'the API answered 400 Invalid Custom Field Item: /customFields/0/value: Expected boolean',
    retryable: false,
    namesField: true,
  });
  const state = await journalAfter(ctx);
  expect(state.failed.get('e1')).toMatchObject({ retryable: false, body: 'hash' });
});

test('422: failed for good', async () => {
  const r = await send(context(scripted([{ status: 422, body: { message: 'no', code: '08422' } }])));
  expect(r).toMatchObject({ kind: 'failed', retryable: false });
});

test.each([[403], [404]])(
  '%s speaks of the key, its permissions or the route, not the record: failed, but sent again on the next run',
  async (status) => {
    const r = await send(context(scripted([{ status, body: { message: 'no', code: `08${status}` } }])));
    expect(r).toMatchObject({
      kind: 'failed',
      retryable: true,
      message: expect.stringMatching(/not the record: sent again on the next run/),
    });
  },
);

test('401 aborts the job and marks nothing failed', async () => {
  const ctx = context(scripted([{ status: 401, body: { error: { message: 'Unauthorized' } } }]));
  await expect(send(ctx)).rejects.toMatchObject({ code: 'AUTH_REJECTED', exitCode: 3 });
  const state = await journalAfter(ctx);
  expect(state.failed.size).toBe(0);
  expect(state.inDoubt.has('e1')).toBe(true);
});

test('429 pauses the limiter and does not use up an attempt', async () => {
  const t = scripted([
    { status: 429, body: {}, retryAfter: '0' },
    { status: 429, body: {}, retryAfter: '0' },
    { status: 429, body: {}, retryAfter: '0' },
    created(),
  ]);
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
  expect(r).toMatchObject({
    kind: 'failed',
    retryable: true,
    code: 'API_503_0801503',
    message: expect.stringMatching(/attempt 3: .*gave up after the last attempt/),
  });
  expect(paths(t).filter((p) => p.startsWith('POST'))).toHaveLength(3);
});

test('a record an earlier run left in doubt is looked up before anything is sent', async () => {
  const t = scripted([found('CT7')]);
  expect(await send(context(t), true)).toMatchObject({ kind: 'created', contactId: 'CT7', viaLookup: true });
  expect(paths(t)).toEqual(['GET v1/contacts']);
});

test('lookups are batched: up to 20 ids share one request (the live API answers 400 to more)', async () => {
  const empty = { status: 200, body: { data: [], nextPageToken: null } };
  const t = scripted([
    { status: 200, body: { data: [{ ...contact('C3'), externalId: 'x3' }], nextPageToken: null } },
    empty,
    empty,
    empty,
  ]);
  const ctx = context(t);
  const ids = Array.from({ length: 65 }, (_, i) => `x${i}`);
  const results = await Promise.all(ids.map((id) => ctx.lookup.find(id)));
  expect(results.flatMap((r) => (r.kind === 'found' ? r.contacts : [])).map((c) => c.id)).toEqual(['C3']);
  expect(t.log.map((r) => r.searchParams?.getAll('externalIds').length)).toEqual([20, 20, 20, 5]);
});

test('a lookup answered with an unfiltered page never takes another contact for the one asked about', async () => {
  const t = scripted([
    new TransportError('reset', true, 'reset'),
    { status: 200, body: { data: [{ ...contact('C9'), externalId: 'someone-else' }], nextPageToken: null } },
    created('CT2'),
  ]);
  expect(await send(context(t))).toMatchObject({ kind: 'created', contactId: 'CT2', viaLookup: false });
});

test.each([
  ['an HTML page', '<html>maintenance</html>'],
  ['JSON without data', { message: 'ok' }],
  ['data that is not contacts', { data: [{ name: 'x' }], nextPageToken: null }],
])('a lookup answered 200 with %s is a failed lookup, never "absent": no resend', async (_name, answer) => {
  const t = scripted([new TransportError('reset', true, 'reset'), { status: 200, body: answer }]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'failed', code: 'LOOKUP_FAILED', retryable: true });
  expect(paths(t).filter((p) => p.startsWith('POST'))).toHaveLength(1);
  expect((await journalAfter(ctx)).inDoubt.has('e1')).toBe(true);
});

describe('409: the workspace has a contact with this externalId', () => {
  test('no attempt of this job explains it: it was there before; left alone (skip) and journaled as existing', async () => {
    const t = scripted([conflict, { status: 200, body: { data: [contact('CTold', OLD)], nextPageToken: null } }]);
    const ctx = context(t);
    expect(await send(ctx)).toEqual({ kind: 'existing', contactId: 'CTold', ofJobSource: true });
    expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts']);
    const state = await journalAfter(ctx);
    expect(state.done.get('e1')).toEqual({ relation: 'existing', hash: 'hash', writeAt: expect.any(Number) });
    expect(state.failed.size).toBe(0);
  });

  test('after an attempt whose answer was lost (the lookup missed it, the resend got 409): created by this job, never failed', async () => {
    const t = scripted([new TransportError('reset', true, 'reset'), found(), conflict, found('CTmine')]);
    const ctx = context(t);
    expect(await send(ctx)).toEqual({
      kind: 'created',
      contactId: 'CTmine',
      viaLookup: true,
      updatedAt: expect.any(String),
    });
    expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'POST v1/contacts', 'GET v1/contacts']);
  });

  test('a record an earlier run left in doubt: a 409 is ours too', async () => {
    const t = scripted([found(), conflict, found('CTmine')]);
    expect(await send(context(t), true)).toEqual({
      kind: 'created',
      contactId: 'CTmine',
      viaLookup: true,
      updatedAt: expect.any(String),
    });
  });

  test('a 409 no lookup can explain: retryable, not failed for good', async () => {
    const t = scripted([conflict, found()]);
    expect(await send(context(t))).toMatchObject({ kind: 'failed', code: 'CONFLICT_NOT_FOUND', retryable: true });
  });

  test('--on-existing update: the contact is PATCHed without createdByUserId, keeping its items with their ids', async () => {
    const had = contact('CTold', {
      defaultFields: {
        firstName: 'Old',
        lastName: null,
        company: null,
        role: null,
        emails: [{ name: 'work', value: 'a@x.example', id: 'EM1' }],
        phoneNumbers: [],
      },
    });
    const t = scripted([
      conflict,
      { status: 200, body: { data: [had], nextPageToken: null } },
      { status: 200, body: { data: had } },
    ]);
    const ctx = context(t, 'update');
    const rec = {
      defaultFields: { firstName: 'New', emails: [{ name: 'home', value: 'b@x.example' }] },
      externalId: 'e1',
      createdByUserId: 'US1',
    };
    expect(await sendAndRecord(ctx, { externalId: 'e1', line: 7, body: rec, inDoubt: false })).toMatchObject({
      kind: 'updated',
      contactId: 'CTold',
      how: 'updated',
    });
    expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'PATCH v1/contacts/CTold']);
    expect(t.log[2]!.body).toEqual({
      defaultFields: {
        firstName: 'New',
        emails: [
          { id: 'EM1', name: 'work', value: 'a@x.example' },
          { name: 'home', value: 'b@x.example' },
        ],
        phoneNumbers: [],
      },
      customFields: [],
    });
  });

  test('--on-existing update: after a PATCH with no answer the contact is read again, and the resend carries the new item by its id', async () => {
    const had = contact('CTold');
    const after = contact('CTold', {
      defaultFields: { ...had.defaultFields, emails: [{ name: 'home', value: 'b@x.example', id: 'EM9' }] },
    });
    const t = scripted([
      conflict,
      { status: 200, body: { data: [had], nextPageToken: null } },
      new TransportError('reset', true, 'reset'),
      { status: 200, body: { data: after } },
      { status: 200, body: { data: after } },
    ]);
    const ctx = context(t, 'update');
    const rec = {
      defaultFields: { firstName: 'Old', emails: [{ name: 'home', value: 'b@x.example' }] },
      externalId: 'e1',
    };
    expect(await sendAndRecord(ctx, { externalId: 'e1', line: 7, body: rec, inDoubt: false })).toMatchObject({
      kind: 'updated',
    });
    expect(paths(t)).toEqual([
      'POST v1/contacts',
      'GET v1/contacts',
      'PATCH v1/contacts/CTold',
      'GET v1/contacts/CTold',
      'PATCH v1/contacts/CTold',
    ]);
    expect((t.log[4]!.body as { defaultFields: { emails: unknown[] } }).defaultFields.emails).toEqual([
      { id: 'EM9', name: 'home', value: 'b@x.example' },
    ]);
    // A PATCH left in doubt is an update, not a create of ours.
    const state = await journalAfter(ctx);
    expect(state.updatesInDoubt.size).toBe(0);
    expect(state.done.has('e1')).toBe(true);
  });
});

test('a lookup answered 429 or 500 is asked again, never taken as "not found"', async () => {
  const t = scripted([
    new TransportError('reset', true, 'reset'),
    { status: 429, body: {}, retryAfter: '0' },
    { status: 500, body: {} },
    found('CT8'),
  ]);
  const ctx = context(t);
  expect(await send(ctx)).toEqual({
    kind: 'created',
    contactId: 'CT8',
    viaLookup: true,
    updatedAt: expect.any(String),
  });
  expect(paths(t)).toEqual(['POST v1/contacts', 'GET v1/contacts', 'GET v1/contacts', 'GET v1/contacts']);
});

test('after a timeout the lookup waits for the server to settle', async () => {
  const t = scripted([new TransportError('timeout', true, 'timeout'), found('CT3')]);
  const ctx = context(t);
  expect(await send(ctx)).toMatchObject({ kind: 'created', contactId: 'CT3' });
  // The backoff, the settle wait; then only the clock's probes (the proof sharpens the server clock).
  expect(ctx.sleeps.slice(0, 2)).toEqual([5, 250]);
  expect(ctx.stats.checks).toBe(ctx.sleeps.length - 2);
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

test('a 0801400 with errors as { key, reason } (the newest spec) names the field and the reason', async () => {
  const t = scripted([
    {
      status: 400,
      body: {
        message: 'Request contained invalid custom field item(s)',
        code: '0801400',
        title: 'Invalid Custom Field Item',
        errors: [{ key: 'inbound-lead', reason: 'Did not match any known contact custom field' }],
      },
    },
  ]);
  expect(await send(context(t))).toEqual({
    kind: 'failed',
    code: 'API_400_0801400',
    message:
      'the API answered 400 Invalid Custom Field Item: custom field "inbound-lead": Did not match any known contact custom field',
    retryable: false,
    namesField: true,
  });
});

test('a record an earlier run left in doubt a moment ago is looked up only once the server can no longer be working on it', async () => {
  const t = scripted([found('CT7')]);
  const ctx = context(t);
  const attemptedAt = Date.now() - 100;
  expect(await sendAndRecord(ctx, { externalId: 'e1', line: 7, body, inDoubt: true, attemptedAt })).toMatchObject({
    kind: 'created',
    contactId: 'CT7',
  });
  expect(ctx.sleeps.length - ctx.stats.checks).toBe(1);
  expect(ctx.sleeps[0]).toBeGreaterThan(100);
  expect(ctx.sleeps[0]).toBeLessThanOrEqual(150);
});

test('a body the contract refuses (only a bug of ours builds one) is failed for good: no request, no lookup, no journal line', async () => {
  const t = scripted([]);
  const ctx = context(t);
  const refused = {
    defaultFields: { firstName: 'A' },
    customFields: [{ key: '', value: 'x' }],
    externalId: 'e'.repeat(76),
  } as ContactRequest;
  const outcome = await sendRecord(ctx, { externalId: 'e1', line: 7, body: refused, inDoubt: true });
  // In doubt before, in doubt after: nothing was learnt about the earlier attempt.
  expect(outcome).toEqual({
    kind: 'failed',
    code: 'PAYLOAD_INVALID',
    retryable: false,
    doubt: true,
    message: expect.stringMatching(
      /^request body customFields\.0\.key: .+; request body externalId: .+ \(a bug in openphone-import: please report it with this line\)$/,
    ),
  });
  expect(t.log).toEqual([]);
  ctx.journal.close();
  expect(readFileSync(join(dir(), 'journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
});

describe('ownership is proven, never presumed (ownership/prove.ts)', () => {
  const listed = (...cs: object[]): ApiResponse => ({ status: 200, body: { data: cs, nextPageToken: null } });

  test('a create in doubt whose lookup finds a contact the workspace had before the job: existing, never created', async () => {
    const t = scripted([listed(contact('CTold', OLD))]);
    const ctx = context(t);
    expect(await send(ctx, true)).toMatchObject({
      kind: 'existing',
      contactId: 'CTold',
      why: expect.stringMatching(/before the attempt left/),
    });
    const state = await journalAfter(ctx);
    expect(state.done.get('e1')).toEqual({ relation: 'existing', hash: 'hash', writeAt: expect.any(Number) });
  });

  test('an answer lost, then a 409 for a contact made before the attempt (another job, the app): existing', async () => {
    const t = scripted([new TransportError('reset', true, 'reset'), found(), conflict, listed(contact('CTold', OLD))]);
    expect(await send(context(t))).toMatchObject({ kind: 'existing', contactId: 'CTold' });
  });

  test('no uniqueness rule: of two contacts with the externalId, the job owns only the one its attempt made', async () => {
    const t = scripted([new TransportError('reset', true, 'reset'), listed(contact('CTold', OLD), contact('CTmine'))]);
    expect(await send(context(t))).toMatchObject({ kind: 'created', contactId: 'CTmine', viaLookup: true });
  });

  test("no write of the job answered yet: the contacts' clock is not calibrated, so a found contact is neither claimed nor disowned", async () => {
    const t = scripted([new TransportError('reset', true, 'reset'), found('CTx')]);
    expect(await send(context(t, 'skip', 'keep', false))).toMatchObject({
      kind: 'failed',
      code: 'OWNERSHIP_UNPROVEN',
      retryable: true,
      doubt: true,
    });
  });

  test("answers without a Date header: the creates' own stamps prove the contact the job's", async () => {
    const t = scripted([new TransportError('reset', true, 'reset'), found('CTx')], { dates: false });
    expect(await send(context(t))).toMatchObject({ kind: 'created', contactId: 'CTx', viaLookup: true });
  });

  test('an older journal kept no departure time: a found contact is not claimed', async () => {
    const t = scripted([found('CTx')]);
    expect(await sendAndRecord(context(t), { externalId: 'e1', line: 7, body, inDoubt: true })).toMatchObject({
      kind: 'existing',
      why: expect.stringMatching(/does not say when/),
    });
  });
});

describe('a changed record updates its contact (a sync)', () => {
  const mine = contact('CT1', {
    defaultFields: {
      firstName: 'Old',
      lastName: null,
      company: 'Acme',
      role: null,
      emails: [{ name: 'work', value: 'app@x.example', id: 'EM1' }],
      phoneNumbers: [],
    },
    customFields: [{ key: 'vip', name: 'VIP', id: 'CF1', type: 'boolean', value: true }],
  });
  const changed = {
    defaultFields: { firstName: 'New', emails: [{ name: 'home', value: 'b@x.example' }] },
    externalId: 'e1',
  };

  test('read by externalId, merged (the contact keeps what it got in the app), PATCHed; journaled as an update of the same contact', async () => {
    const t = scripted([
      { status: 200, body: { data: [mine], nextPageToken: null } },
      { status: 200, body: { data: mine } },
    ]);
    const ctx = context(t);
    const out = await sendAndRecord(ctx, {
      externalId: 'e1',
      line: 7,
      body: changed,
      inDoubt: false,
      sync: { relation: 'created' },
    });
    expect(out).toMatchObject({ kind: 'updated', contactId: 'CT1', how: 'sync' });
    expect(paths(t)).toEqual(['GET v1/contacts', 'PATCH v1/contacts/CT1']);
    expect(t.log[1]!.body).toEqual({
      defaultFields: {
        firstName: 'New',
        emails: [
          { id: 'EM1', name: 'work', value: 'app@x.example' },
          { name: 'home', value: 'b@x.example' },
        ],
        phoneNumbers: [],
      },
      customFields: [{ key: 'vip', value: true }],
    });
    // A contact the job made is not saved as "before": a rollback deletes it.
    expect((await priorsIn(ctx)).size).toBe(0);
    const state = await journalAfter(ctx);
    expect(state.done.get('e1')).toEqual({ relation: 'created', hash: 'hash', writeAt: expect.any(Number) });
  });

  test('update.arrays "source": the contact\'s items become exactly the record\'s', async () => {
    const t = scripted([
      { status: 200, body: { data: [mine], nextPageToken: null } },
      { status: 200, body: { data: mine } },
    ]);
    await sendAndRecord(context(t, 'skip', 'source'), {
      externalId: 'e1',
      line: 7,
      body: changed,
      inDoubt: false,
      sync: { relation: 'created' },
    });
    expect(t.log[1]!.body).toEqual({
      defaultFields: {
        firstName: 'New',
        company: null,
        emails: [
          { id: 'EM1', name: 'work', value: null },
          { name: 'home', value: 'b@x.example' },
        ],
        phoneNumbers: [],
      },
      customFields: [{ key: 'vip', value: null }],
    });
  });

  test('the contact was deleted in the app since: made again', async () => {
    const t = scripted([found(), created('CT2')]);
    expect(
      await sendAndRecord(context(t), {
        externalId: 'e1',
        line: 7,
        body: changed,
        inDoubt: false,
        sync: { relation: 'created' },
      }),
    ).toMatchObject({ kind: 'created', contactId: 'CT2' });
    expect(paths(t)).toEqual(['GET v1/contacts', 'POST v1/contacts']);
  });

  test('two contacts hold the externalId: which to update cannot be told, nothing is sent', async () => {
    const t = scripted([{ status: 200, body: { data: [contact('A'), contact('B')], nextPageToken: null } }]);
    expect(await send2(context(t))).toMatchObject({ kind: 'failed', code: 'EXTERNAL_ID_AMBIGUOUS', retryable: false });
    expect(paths(t)).toEqual(['GET v1/contacts']);
  });

  test("the journal names the record's contact: an adopted one is updated whatever its source; another of the job's source holding the id too is not taken for it", async () => {
    const adopted = contact('CTapp', { source: 'csv-v2' });
    const t = scripted([
      { status: 200, body: { data: [contact('CTother'), adopted], nextPageToken: null } },
      { status: 200, body: { data: adopted } },
    ]);
    const sync = { relation: 'adopted' as const, contactId: 'CTapp' };
    expect(
      await sendAndRecord(context(t), { externalId: 'e1', line: 7, body: changed, inDoubt: false, sync }),
    ).toMatchObject({ kind: 'updated', contactId: 'CTapp', how: 'sync' });
    expect(paths(t)).toEqual(['GET v1/contacts', 'PATCH v1/contacts/CTapp']);
  });

  test("an existing record's journaled contact may be another integration's: never taken for the record's by its id, nor made twice beside it", async () => {
    const theirs = contact('CThub', { source: 'hubspot' });
    const t = scripted([{ status: 200, body: { data: [theirs], nextPageToken: null } }]);
    const sync = { relation: 'existing' as const, contactId: 'CThub' };
    expect(
      await sendAndRecord(context(t, 'update'), { externalId: 'e1', line: 7, body: changed, inDoubt: false, sync }),
    ).toMatchObject({ kind: 'existing', contactId: 'CThub' });
    // No PATCH of theirs, and no POST: where the API keeps ids per source it would make the person twice.
    expect(paths(t)).toEqual(['GET v1/contacts']);
  });

  test("the job's contact is gone and another integration's holds the id now: the person is left to it, not made again", async () => {
    const t = scripted([
      { status: 200, body: { data: [contact('CThub', { source: 'hubspot' })], nextPageToken: null } },
    ]);
    const sync = { relation: 'created' as const, contactId: 'CTmine' };
    expect(
      await sendAndRecord(context(t), { externalId: 'e1', line: 7, body: changed, inDoubt: false, sync }),
    ).toMatchObject({ kind: 'existing', contactId: 'CThub' });
    expect(paths(t)).toEqual(['GET v1/contacts']);
  });

  test("the workspace's own contact, first PATCHed by this job: its state before is journaled before the PATCH's attempt, whose durable write precedes the PATCH", async () => {
    const theirs = contact('CTw', OLD);
    const t = scripted([
      { status: 200, body: { data: [theirs], nextPageToken: null } },
      { status: 200, body: { data: theirs } },
    ]);
    const ctx = context(t, 'update');
    expect(
      await sendAndRecord(ctx, {
        externalId: 'e1',
        line: 7,
        body: changed,
        inDoubt: false,
        sync: { relation: 'existing' },
      }),
    ).toMatchObject({ kind: 'updated', how: 'updated' });
    const saved = await priorsIn(ctx);
    // The prior line comes before the PATCH's attempt, which is fsynced before the PATCH leaves.
    const kinds = readFileSync(join(dir(), 'journal.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; op?: string });
    expect(kinds.findIndex((e) => e.t === 'prior')).toBeLessThan(
      kinds.findIndex((e) => e.t === 'attempt' && e.op === 'update'),
    );
    expect(kinds.findIndex((e) => e.t === 'prior')).toBeGreaterThan(0);
    expect(saved.get('CTw')).toMatchObject({
      externalId: 'e1',
      contact: { id: 'CTw', defaultFields: { firstName: 'Old' } },
    });
    expect((await journalAfter(ctx)).done.get('e1')).toEqual({
      relation: 'updated',
      hash: 'hash',
      writeAt: expect.any(Number),
    });
  });

  const send2 = (ctx: SendContext) =>
    sendAndRecord(ctx, { externalId: 'e1', line: 7, body: changed, inDoubt: false, sync: { relation: 'created' } });
});

describe('adopting a contact the workspace has without an externalId', () => {
  const app = { ...contact('CTapp', OLD), externalId: null, source: 'csv-v2' };
  const rec = {
    defaultFields: { firstName: 'Ada', phoneNumbers: [{ name: 'mobile', value: '+14155550100' }] },
    externalId: 'e1',
  };
  /** The record matched to the app's contact CTapp, sent as an adoption. */
  const adoptApp = (ctx: ReturnType<typeof context>) =>
    sendAndRecord(ctx, {
      externalId: 'e1',
      line: 7,
      body: rec,
      inDoubt: false,
      adopt: { id: 'CTapp', externalId: null, name: 'Old', firstName: 'Old', lastName: null },
    });

  test("read as it is, saved, then PATCHed with the record's externalId and fields; journaled as adopted", async () => {
    const t = scripted([
      { status: 200, body: { data: app } },
      { status: 200, body: { data: { ...app, externalId: 'e1' } } },
    ]);
    const ctx = context(t);
    expect(await adoptApp(ctx)).toMatchObject({ kind: 'updated', how: 'adopted' });
    expect(paths(t)).toEqual(['GET v1/contacts/CTapp', 'PATCH v1/contacts/CTapp']);
    expect(t.log[1]!.body).toMatchObject({
      externalId: 'e1',
      defaultFields: { firstName: 'Ada', phoneNumbers: [{ name: 'mobile', value: '+14155550100' }] },
    });
    expect((await priorsIn(ctx)).get('CTapp')?.contact.externalId).toBeNull();
    expect((await journalAfter(ctx)).done.get('e1')).toEqual({
      relation: 'adopted',
      hash: 'hash',
      writeAt: expect.any(Number),
    });
  });

  test('it got an externalId meanwhile: not adopted, retryable (the next run lists it for review)', async () => {
    const t = scripted([{ status: 200, body: { data: { ...app, externalId: 'other-source-9' } } }]);
    expect(await adoptApp(context(t))).toMatchObject({ kind: 'failed', code: 'ADOPT_CONFLICT', retryable: true });
    expect(paths(t)).toEqual(['GET v1/contacts/CTapp']);
  });

  test("a 200 whose body is not a contact (a proxy's page): a retryable failure that says so, nothing PATCHed, never a crash", async () => {
    const t = scripted([{ status: 200, body: '<html><body>Gateway login</body></html>' }]);
    expect(await adoptApp(context(t))).toMatchObject({
      kind: 'failed',
      code: 'API_ANSWER_INVALID',
      retryable: true,
      message: expect.stringMatching(/is not a contact: something between this machine and the API/),
    });
    expect(paths(t)).toEqual(['GET v1/contacts/CTapp']);
  });

  test("another contact holds the externalId (409 to the PATCH): not adopted, for review with the API's answer", async () => {
    const t = scripted([{ status: 200, body: { data: app } }, conflict]);
    expect(await adoptApp(context(t))).toMatchObject({
      kind: 'review',
      why: expect.stringMatching(/refused to let the job adopt it: .*409/),
      candidates: [{ id: 'CTapp' }],
    });
  });
});

test('a stop during the wait before a lookup ends the wait at once: the record stays in doubt, nothing is asked or sent', async () => {
  const t = scripted([]);
  const stop = new AbortController();
  // A clock whose waits end only when the job stops (a settle time of twenty minutes, say).
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
  };
  const limiter = new RateLimiter(1000, {
    now: () => performance.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const journal = new JournalWriter(join(dir(), 'journal.jsonl'), {
    t: 'header',
    format: JOURNAL_FORMAT,
    version: 1,
    mappingHash: 'h',
    baseUrl: 'x',
    createdAt: 'now',
  });
  const api = new ApiClient({
    transport: t,
    limiter,
    stats: new RequestStats(),
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
    clock,
    random: () => 0.5,
    settleMs: 1_200_000,
    stopping: stop.signal,
  });
  const ctx: SendContext = {
    api,
    journal,
    lookup: new LookupBatcher(api, 0),
    onExisting: 'skip',
    arrays: 'keep',
  };
  const sending = sendRecord(ctx, { externalId: 'e1', line: 7, body, inDoubt: true, attemptedAt: Date.now() });
  setTimeout(() => stop.abort(), 20);
  expect(await sending).toEqual({ kind: 'inDoubt' });
  expect(t.log).toEqual([]);
  journal.close();
});
