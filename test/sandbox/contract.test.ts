import { startSandbox } from '../../src/sandbox/index.js';
import { call, contactBody, useSandbox } from '../helpers/sandbox.js';

describe('POST /v1/contacts', () => {
  const sb = useSandbox();

  test('201 with every Contact key, ids on emails and phones, custom fields with name, key, id, type, value', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('e1', { customFields: [{ key: 'vip', value: true }, { key: 'inbound-lead', value: ['a', 'b'] }], createdByUserId: 'US42' }));
    expect(r.status).toBe(201);
    const c = r.body.data;
    expect(Object.keys(c).sort()).toEqual(['createdAt', 'createdByUserId', 'customFields', 'defaultFields', 'externalId', 'id', 'source', 'sourceUrl', 'updatedAt'].sort());
    expect(Object.keys(c.defaultFields).sort()).toEqual(['company', 'emails', 'firstName', 'lastName', 'phoneNumbers', 'role']);
    expect(c).toMatchObject({ externalId: 'e1', source: 'test-import', sourceUrl: null, createdByUserId: 'US42', defaultFields: { firstName: 'Ada', company: null, role: null } });
    expect(c.defaultFields.emails).toEqual([{ name: 'work', value: 'ada@example.com', id: expect.any(String) }]);
    expect(c.defaultFields.phoneNumbers).toEqual([{ name: 'mobile', value: '+14155550132', id: expect.any(String) }]);
    expect(c.customFields).toEqual([
      { name: 'VIP', key: 'vip', id: expect.any(String), type: 'boolean', value: true },
      { name: 'Inbound lead', key: 'inbound-lead', id: expect.any(String), type: 'multi-select', value: ['a', 'b'] },
    ]);
    expect(sb().contacts()).toHaveLength(1);
  });

  test('source defaults to public-api', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', { defaultFields: { firstName: null } });
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ source: 'public-api', externalId: null });
  });

  const invalid: [string, unknown, string][] = [
    ['defaultFields missing', { externalId: 'x' }, '/defaultFields'],
    ['firstName key missing', { defaultFields: { lastName: 'L' } }, '/defaultFields/firstName'],
    ['source reserved', { defaultFields: { firstName: 'A' }, source: 'csv' }, '/source'],
    ['source reserved prefix', { defaultFields: { firstName: 'A' }, source: 'openphone-x' }, '/source'],
    ['source too long', { defaultFields: { firstName: 'A' }, source: 'x'.repeat(73) }, '/source'],
    ['source empty', { defaultFields: { firstName: 'A' }, source: '' }, '/source'],
    ['externalId too long', { defaultFields: { firstName: 'A' }, externalId: 'x'.repeat(76) }, '/externalId'],
    ['externalId empty', { defaultFields: { firstName: 'A' }, externalId: '' }, '/externalId'],
    ['createdByUserId pattern', { defaultFields: { firstName: 'A' }, createdByUserId: 'AB1' }, '/createdByUserId'],
    ['email item without name', { defaultFields: { firstName: 'A', emails: [{ value: 'a@b.co' }] } }, '/defaultFields/emails/0/name'],
    ['phone item without value key', { defaultFields: { firstName: 'A', phoneNumbers: [{ name: 'm' }] } }, '/defaultFields/phoneNumbers/0/value'],
    ['sourceUrl not a URL', { defaultFields: { firstName: 'A' }, sourceUrl: 'nope' }, '/sourceUrl'],
    ['unknown top-level key', { defaultFields: { firstName: 'A' }, nickname: 'x' }, '/'],
  ];
  test.each(invalid)('400 envelope: %s', async (_name, body, path) => {
    const r = await call(sb(), 'POST', '/v1/contacts', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, code: '0800400', title: 'Bad Request', docs: expect.any(String), message: expect.any(String) });
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(r.body.errors[0]).toEqual(expect.objectContaining({ path: expect.any(String), message: expect.any(String), schema: expect.any(Object) }));
    expect(sb().contacts()).toHaveLength(0);
  });

  test.each([
    ['unknown key', { key: 'nope', value: 'x' }, '/customFields/0/key'],
    ['boolean field given a string', { key: 'vip', value: 'yes' }, '/customFields/0/value'],
    ['number field given a string', { key: 'score', value: '7' }, '/customFields/0/value'],
    ['date field given a plain date', { key: 'signup-date', value: '2024-09-11' }, '/customFields/0/value'],
    ['multi-select given a string', { key: 'inbound-lead', value: 'a' }, '/customFields/0/value'],
    ['url field given text', { key: 'website', value: 'not a url' }, '/customFields/0/value'],
  ])('400 0801400 Invalid Custom Field Item: %s', async (_name, item, path) => {
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('e', { customFields: [item] }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: '0801400', title: 'Invalid Custom Field Item', errors: [expect.objectContaining({ path, value: item.key === 'nope' ? 'nope' : item.value })] });
  });

  test('every custom field type accepts its own kind of value, and null', async () => {
    const items = [
      { key: 'notes', value: 'hi' }, { key: 'address', value: '1 Main St' }, { key: 'website', value: 'https://example.com' },
      { key: 'vip', value: false }, { key: 'signup-date', value: '2024-09-11T04:00:00.000Z' }, { key: 'inbound-lead', value: [] }, { key: 'score', value: 3.5 },
    ];
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('a', { customFields: items }))).status).toBe(201);
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('b', { customFields: items.map((i) => ({ ...i, value: null })) }))).status).toBe(201);
  });

  test('a body that is not JSON is a 400', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', '{nope');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/not valid JSON/);
  });

  test('duplicate externalIds are accepted by default (as the live API may)', async () => {
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    expect(sb().contactsByExternalId().get('same')).toHaveLength(2);
    expect(sb().stats().duplicateExternalIds).toBe(1);
  });
});

describe('externalId uniqueness 409', () => {
  const sb = useSandbox({ uniqueExternalId: '409' });
  test('a second contact with the same externalId is a 409 Conflict', async () => {
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('same'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: '0800409', title: 'Conflict', status: 409 });
    expect(sb().contacts()).toHaveLength(1);
  });
});

describe('auth', () => {
  const sb = useSandbox();
  test('missing key: the observed 401 body', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('x'), null);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { message: 'Missing authorization header', key: 'Unauthorized', trace: expect.any(String) } });
  });
  test('wrong key, or a Bearer prefix: Unauthorized', async () => {
    for (const key of ['wrong', `Bearer ${sb().apiKey}`]) {
      const r = await call(sb(), 'GET', '/v1/contact-custom-fields', undefined, key);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ message: 'Unauthorized', key: 'Unauthorized' });
    }
    expect(sb().contacts()).toHaveLength(0);
  });
  test('several configured keys are all accepted', async () => {
    const multi = await startSandbox({ apiKeys: ['k1', 'k2'], rate: 0 });
    try {
      expect((await call(multi, 'GET', '/v1/contact-custom-fields', undefined, 'k1')).status).toBe(200);
      expect((await call(multi, 'GET', '/v1/contact-custom-fields', undefined, 'k2')).status).toBe(200);
    } finally {
      await multi.stop();
    }
  });
});

describe('GET /v1/contacts by externalIds', () => {
  const sb = useSandbox();
  beforeEach(async () => {
    for (let i = 0; i < 7; i++) await call(sb(), 'POST', '/v1/contacts', contactBody(`id-${i}`, i === 3 ? { source: 'other-src' } : {}));
  });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `externalIds=id-${i}`).join('&');

  test('finds contacts by externalId, default page of 10', async () => {
    const r = await call(sb(), 'GET', `/v1/contacts?externalIds=id-1&externalIds=id-5&externalIds=missing`);
    expect(r.status).toBe(200);
    expect(r.body.data.map((c: { externalId: string }) => c.externalId)).toEqual(['id-1', 'id-5']);
    expect(r.body).toMatchObject({ totalItems: 2, nextPageToken: null });
  });
  test('pages with maxResults and pageToken; nextPageToken is null on the last page', async () => {
    const first = await call(sb(), 'GET', `/v1/contacts?${ids(7)}&maxResults=3`);
    expect(first.body.data).toHaveLength(3);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await call(sb(), 'GET', `/v1/contacts?${ids(7)}&maxResults=3&pageToken=${first.body.nextPageToken}`);
    const third = await call(sb(), 'GET', `/v1/contacts?${ids(7)}&maxResults=3&pageToken=${second.body.nextPageToken}`);
    expect(third.body.data).toHaveLength(1);
    expect(third.body.nextPageToken).toBeNull();
    const all = [...first.body.data, ...second.body.data, ...third.body.data].map((c: { externalId: string }) => c.externalId);
    expect(all.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `id-${i}`));
  });
  test('filters by sources', async () => {
    const r = await call(sb(), 'GET', `/v1/contacts?${ids(7)}&sources=other-src`);
    expect(r.body.data.map((c: { externalId: string }) => c.externalId)).toEqual(['id-3']);
  });
  test.each([['maxResults=0'], ['maxResults=51'], ['maxResults=abc']])('400 for %s', async (q) => {
    const r = await call(sb(), 'GET', `/v1/contacts?externalIds=id-1&${q}`);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('/maxResults');
  });
  test('400 without externalIds, or with one over 75 characters', async () => {
    expect((await call(sb(), 'GET', '/v1/contacts')).body.errors[0].path).toBe('/externalIds');
    expect((await call(sb(), 'GET', `/v1/contacts?externalIds=${'x'.repeat(76)}`)).body.errors[0].path).toBe('/externalIds/0');
  });
});

describe('GET, PATCH, DELETE /v1/contacts/{id}', () => {
  const sb = useSandbox();
  test('a contact can be read, updated and deleted; unknown ids are 404', async () => {
    const id = (await call(sb(), 'POST', '/v1/contacts', contactBody('p1'))).body.data.id;
    expect((await call(sb(), 'GET', `/v1/contacts/${id}`)).body.data.externalId).toBe('p1');
    const patched = await call(sb(), 'PATCH', `/v1/contacts/${id}`, { defaultFields: { company: 'Engines' }, customFields: [{ key: 'vip', value: true }] });
    expect(patched.status).toBe(200);
    expect(patched.body.data.defaultFields).toMatchObject({ firstName: 'Ada', company: 'Engines' });
    expect(patched.body.data.customFields).toEqual([expect.objectContaining({ key: 'vip', value: true })]);
    expect((await call(sb(), 'PATCH', `/v1/contacts/${id}`, { customFields: [{ key: 'vip', value: 'x' }] })).status).toBe(400);
    expect((await call(sb(), 'DELETE', `/v1/contacts/${id}`)).status).toBe(204);
    for (const method of ['GET', 'DELETE']) {
      const r = await call(sb(), method, `/v1/contacts/${id}`);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: '0800404', title: 'Not Found' });
    }
    expect((await call(sb(), 'PATCH', `/v1/contacts/${id}`, { defaultFields: { company: 'x' } })).status).toBe(404);
  });
});

describe('custom fields and unknown routes', () => {
  const sb = useSandbox({ customFields: [{ name: 'Tier', key: 'tier', type: 'string' }] });
  test('GET /v1/contact-custom-fields lists the configured definitions', async () => {
    const r = await call(sb(), 'GET', '/v1/contact-custom-fields');
    expect(r.body).toEqual({ data: [{ name: 'Tier', key: 'tier', type: 'string' }] });
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('x', { customFields: [{ key: 'vip', value: true }] }))).body.code).toBe('0801400');
  });
  test('an unknown route is an HTML 404', async () => {
    const r = await call(sb(), 'GET', '/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('rate limit', () => {
  test('at most N accepted in any rolling second; above it 429 with the envelope and ratelimit headers', async () => {
    // A one-minute window, so that a slow machine cannot spread the requests over two windows.
    const sb = await startSandbox({ rate: 5, rateWindowMs: 60_000 });
    try {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await call(sb, 'GET', '/v1/contact-custom-fields'));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(answers[5]!.body).toMatchObject({ status: 429, message: expect.stringMatching(/rate limit/i) });
      expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"per-second"; q=5; w=1');
      expect(answers[0]!.headers.get('ratelimit')).toBe('"per-second"; r=4; t=1');
      expect(answers[5]!.headers.get('retry-after')).toBeNull();
      expect(sb.stats().byStatus).toEqual({ 200: 5, 429: 3 });
    } finally {
      await sb.stop();
    }
  });
  test('Retry-After is sent when configured', async () => {
    const sb = await startSandbox({ rate: 1, rateWindowMs: 60_000, retryAfterSeconds: 2 });
    try {
      await call(sb, 'GET', '/v1/contact-custom-fields');
      const r = await call(sb, 'GET', '/v1/contact-custom-fields');
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('2');
    } finally {
      await sb.stop();
    }
  });
  test('each key has its own limit', async () => {
    const sb = await startSandbox({ rate: 1, rateWindowMs: 60_000, apiKeys: ['a', 'b'] });
    try {
      expect((await call(sb, 'GET', '/v1/contact-custom-fields', undefined, 'a')).status).toBe(200);
      expect((await call(sb, 'GET', '/v1/contact-custom-fields', undefined, 'b')).status).toBe(200);
      expect((await call(sb, 'GET', '/v1/contact-custom-fields', undefined, 'a')).status).toBe(429);
    } finally {
      await sb.stop();
    }
  });
});

describe('inspection', () => {
  const sb = useSandbox();
  test('/__sandbox/stats and /__sandbox/contacts, and the request log', async () => {
    await call(sb(), 'POST', '/v1/contacts', contactBody('i1'));
    await call(sb(), 'POST', '/v1/contacts', contactBody('i1'));
    await call(sb(), 'GET', '/v1/contact-custom-fields', undefined, 'bad');
    const stats = await call(sb(), 'GET', '/__sandbox/stats', undefined, null);
    expect(stats.body).toMatchObject({ requests: 3, byStatus: { 201: 2, 401: 1 }, contacts: 2, duplicateExternalIds: 1 });
    const contacts = await call(sb(), 'GET', '/__sandbox/contacts', undefined, null);
    expect(contacts.body.data).toHaveLength(2);
    expect(contacts.body.duplicates).toEqual({ i1: 2 });
    const log = sb().requests().filter((e) => !e.path.startsWith('/__'));
    expect(log.map((e) => [e.method, e.path, e.status])).toEqual([['POST', '/v1/contacts', 201], ['POST', '/v1/contacts', 201], ['GET', '/v1/contact-custom-fields', 401]]);
    expect(log[0]!.at).toBeLessThanOrEqual(log[1]!.at);
  });
});
