import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, contactBody, useSandbox } from '../helpers/sandbox.js';

describe('POST /v1/contacts', () => {
  const sb = useSandbox();

  test('201 with every Contact key, ids on emails and phones, custom fields with name, key, id, type, value', async () => {
    const r = await call(
      sb(),
      'POST',
      '/v1/contacts',
      contactBody('e1', {
        customFields: [
          { key: 'vip', value: true },
          { key: 'inbound-lead', value: ['a', 'b'] },
        ],
        createdByUserId: 'US42',
      }),
    );
    expect(r.status).toBe(201);
    const c = r.body.data;
    expect(Object.keys(c).sort()).toEqual(
      [
        'createdAt',
        'createdByUserId',
        'customFields',
        'defaultFields',
        'externalId',
        'id',
        'source',
        'sourceUrl',
        'updatedAt',
      ].sort(),
    );
    expect(Object.keys(c.defaultFields).sort()).toEqual([
      'company',
      'emails',
      'firstName',
      'lastName',
      'phoneNumbers',
      'role',
    ]);
    expect(c).toMatchObject({
      externalId: 'e1',
      source: 'test-import',
      sourceUrl: null,
      createdByUserId: 'US42',
      defaultFields: { firstName: 'Ada', company: null, role: null },
    });
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
    [
      'email item without name',
      { defaultFields: { firstName: 'A', emails: [{ value: 'a@b.co' }] } },
      '/defaultFields/emails/0/name',
    ],
    [
      'phone item without value key',
      { defaultFields: { firstName: 'A', phoneNumbers: [{ name: 'm' }] } },
      '/defaultFields/phoneNumbers/0/value',
    ],
    ['sourceUrl not a URL', { defaultFields: { firstName: 'A' }, sourceUrl: 'nope' }, '/sourceUrl'],
    ['unknown top-level key', { defaultFields: { firstName: 'A' }, nickname: 'x' }, '/'],
  ];
  test.each(invalid)('400 envelope: %s', async (_name, body, path) => {
    const r = await call(sb(), 'POST', '/v1/contacts', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      status: 400,
      code: '0800400',
      title: 'Bad Request',
      docs: expect.any(String),
      message: expect.any(String),
    });
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(r.body.errors[0]).toEqual(
      expect.objectContaining({ path: expect.any(String), message: expect.any(String), schema: expect.any(Object) }),
    );
    expect(sb().contacts()).toHaveLength(0);
  });

  test.each([
    ['unknown key', { key: 'nope', value: 'x' }, /^Did not match any known contact custom field$/],
    ['boolean field given a string', { key: 'vip', value: 'yes' }, /Expected boolean/],
    ['number field given a string', { key: 'score', value: '7' }, /Expected number/],
    ['date field given a plain date', { key: 'signup-date', value: '2024-09-11' }, /ISO 8601/],
    ['multi-select given a string', { key: 'inbound-lead', value: 'a' }, /array of strings/],
    ['url field given text', { key: 'website', value: 'not a url' }, /URL/],
  ])('400 0801400 Invalid Custom Field Item, errors as { key, reason }: %s', async (_name, item, reason) => {
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('e', { customFields: [item] }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      code: '0801400',
      title: 'Invalid Custom Field Item',
      message: 'Request contained invalid custom field item(s)',
    });
    expect(r.body.errors).toEqual([{ key: item.key, reason: expect.stringMatching(reason) }]);
  });

  test('every custom field type accepts its own kind of value, and null', async () => {
    const items = [
      { key: 'notes', value: 'hi' },
      { key: 'address', value: '1 Main St' },
      { key: 'website', value: 'https://example.com' },
      { key: 'vip', value: false },
      { key: 'signup-date', value: '2024-09-11T04:00:00.000Z' },
      { key: 'inbound-lead', value: [] },
      { key: 'score', value: 3.5 },
    ];
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('a', { customFields: items }))).status).toBe(201);
    expect(
      (
        await call(
          sb(),
          'POST',
          '/v1/contacts',
          contactBody('b', { customFields: items.map((i) => ({ ...i, value: null })) }),
        )
      ).status,
    ).toBe(201);
  });

  test('a body that is not JSON is a 400', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', '{nope');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/not valid JSON/);
  });

  test('a second contact with an externalId the workspace has: 409 with the live body, nothing stored', async () => {
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('same', { defaultFields: { firstName: 'Other' } }));
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      message: 'Failed to create contact',
      code: '0800409',
      status: 409,
      docs: 'https://openphone.com/docs',
      title: 'Conflict',
    });
    expect(sb().contactsByExternalId().get('same')).toHaveLength(1);
    // Contacts without an externalId are never in conflict.
    expect((await call(sb(), 'POST', '/v1/contacts', { defaultFields: { firstName: 'A' } })).status).toBe(201);
    expect((await call(sb(), 'POST', '/v1/contacts', { defaultFields: { firstName: 'A' } })).status).toBe(201);
  });
});

describe('the lenient mode: --unique-external-id off', () => {
  const sb = useSandbox({ uniqueExternalId: 'off' });
  test('duplicate externalIds are accepted, and counted', async () => {
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('same'))).status).toBe(201);
    expect(sb().contactsByExternalId().get('same')).toHaveLength(2);
    expect(sb().stats().duplicateExternalIds).toBe(1);
  });
});

describe('auth', () => {
  const sb = useSandbox();
  test('missing key: the observed 401 body', async () => {
    const r = await call(sb(), 'POST', '/v1/contacts', contactBody('x'), null);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      error: { message: 'Missing authorization header', key: 'Unauthorized', trace: expect.any(String) },
    });
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
    for (let i = 0; i < 7; i++)
      await call(sb(), 'POST', '/v1/contacts', contactBody(`id-${i}`, i === 3 ? { source: 'other-src' } : {}));
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
    const all = [...first.body.data, ...second.body.data, ...third.body.data].map(
      (c: { externalId: string }) => c.externalId,
    );
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
  test('400 for an externalId over 75 characters', async () => {
    expect((await call(sb(), 'GET', `/v1/contacts?externalIds=${'x'.repeat(76)}`)).body.errors[0].path).toBe(
      '/externalIds/0',
    );
  });
  test('20 externalIds are answered; 21 are a 400 (the live query parser makes an object of them)', async () => {
    const twenty = await call(sb(), 'GET', `/v1/contacts?${ids(20)}&maxResults=50`);
    expect(twenty.status).toBe(200);
    expect(twenty.body.data).toHaveLength(7);
    const r = await call(sb(), 'GET', `/v1/contacts?${ids(21)}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: '/externalIds' })] });
  });
  test('without externalIds: every contact of the workspace, paged', async () => {
    const first = await call(sb(), 'GET', '/v1/contacts?maxResults=5');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    const second = await call(sb(), 'GET', `/v1/contacts?maxResults=5&pageToken=${first.body.nextPageToken}`);
    expect(second.body).toMatchObject({ nextPageToken: null });
    expect([...first.body.data, ...second.body.data]).toHaveLength(7);
  });
  test('brackets (externalIds[]=) are ignored: an unfiltered page', async () => {
    const r = await call(sb(), 'GET', '/v1/contacts?externalIds[]=id-1&maxResults=50');
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(7);
  });
});

describe('GET, PATCH, DELETE /v1/contacts/{id}', () => {
  const sb = useSandbox();
  test('a contact can be read, updated and deleted; unknown ids are 404', async () => {
    const id = (await call(sb(), 'POST', '/v1/contacts', contactBody('p1'))).body.data.id;
    expect((await call(sb(), 'GET', `/v1/contacts/${id}`)).body.data.externalId).toBe('p1');
    const patched = await call(sb(), 'PATCH', `/v1/contacts/${id}`, {
      defaultFields: { company: 'Engines' },
      customFields: [{ key: 'vip', value: true }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.defaultFields).toMatchObject({ firstName: 'Ada', company: 'Engines' });
    expect(patched.body.data.customFields).toEqual([expect.objectContaining({ key: 'vip', value: true })]);
    expect(
      (await call(sb(), 'PATCH', `/v1/contacts/${id}`, { customFields: [{ key: 'vip', value: 'x' }] })).status,
    ).toBe(400);
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
    expect(
      (await call(sb(), 'POST', '/v1/contacts', contactBody('x', { customFields: [{ key: 'vip', value: true }] }))).body
        .code,
    ).toBe('0801400');
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
  const sb = useSandbox({ uniqueExternalId: 'off' });
  test('/__sandbox/stats and /__sandbox/contacts, and the request log', async () => {
    await call(sb(), 'POST', '/v1/contacts', contactBody('i1'));
    await call(sb(), 'POST', '/v1/contacts', contactBody('i1'));
    await call(sb(), 'GET', '/v1/contact-custom-fields', undefined, 'bad');
    const stats = await call(sb(), 'GET', '/__sandbox/stats', undefined, null);
    expect(stats.body).toMatchObject({
      requests: 3,
      byStatus: { 201: 2, 401: 1 },
      contacts: 2,
      duplicateExternalIds: 1,
    });
    const contacts = await call(sb(), 'GET', '/__sandbox/contacts', undefined, null);
    expect(contacts.body.data).toHaveLength(2);
    expect(contacts.body.duplicates).toEqual({ i1: 2 });
    const log = sb()
      .requests()
      .filter((e) => !e.path.startsWith('/__'));
    expect(log.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/v1/contacts', 201],
      ['POST', '/v1/contacts', 201],
      ['GET', '/v1/contact-custom-fields', 401],
    ]);
    expect(log[0]!.at).toBeLessThanOrEqual(log[1]!.at);
  });
});

describe('PATCH /v1/contacts/{id}: items with ids, value null, and the two readings of arrays', () => {
  async function contactWithItems(sb: Sandbox) {
    const body = contactBody('p', {
      customFields: [
        { key: 'vip', value: true },
        { key: 'notes', value: 'n' },
      ],
    });
    body.defaultFields.emails.push({ name: 'home', value: 'ada@home.example' });
    return (await call(sb, 'POST', '/v1/contacts', body)).body.data;
  }

  describe.each(['replace', 'merge'] as const)('patchArrays %s', (patchArrays) => {
    const sb = useSandbox({ patchArrays });
    test('an item sent with its id is kept (its id too); value null removes it; one without an id is added', async () => {
      const c = await contactWithItems(sb());
      const [work, home] = c.defaultFields.emails;
      const r = await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, {
        defaultFields: {
          emails: [
            { id: work.id, value: work.value },
            { id: home.id, value: null },
            { name: 'other', value: 'ada@new.example' },
          ],
          phoneNumbers: c.defaultFields.phoneNumbers,
          company: 'Engines',
        },
        customFields: [
          { key: 'vip', value: false },
          { key: 'notes', value: 'n' },
        ],
      });
      expect(r.status).toBe(200);
      const d = r.body.data;
      expect(d.defaultFields.emails).toEqual([
        { name: 'work', value: 'ada@example.com', id: work.id },
        { name: 'other', value: 'ada@new.example', id: expect.any(String) },
      ]);
      expect(d.defaultFields.phoneNumbers).toEqual(c.defaultFields.phoneNumbers);
      expect(d.defaultFields).toMatchObject({ firstName: 'Ada', company: 'Engines' });
      expect(d.customFields.map((f: { key: string; value: unknown }) => [f.key, f.value]).sort()).toEqual([
        ['notes', 'n'],
        ['vip', false],
      ]);
    });
    test('arrays left out: emptied under replace, kept under merge', async () => {
      const c = await contactWithItems(sb());
      const d = (await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { defaultFields: { role: 'CTO' } })).body.data;
      expect(d.defaultFields.role).toBe('CTO');
      expect(d.defaultFields.emails).toHaveLength(patchArrays === 'replace' ? 0 : 2);
      expect(d.customFields).toHaveLength(patchArrays === 'replace' ? 0 : 2);
    });
  });

  const sb = useSandbox();
  test('createdByUserId is not in the PATCH schema; source may be 75 characters or null; an unknown item id is a 400', async () => {
    const c = await contactWithItems(sb());
    const refused = await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { createdByUserId: 'US1' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ path: '/' });
    expect((await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { source: 'x'.repeat(75) })).status).toBe(200);
    expect((await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { source: 'x'.repeat(76) })).status).toBe(400);
    expect((await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { source: null })).body.data.source).toBe('public-api');
    const unknown = await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, {
      defaultFields: { emails: [{ id: 'EMnope', value: 'x@y.example' }] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ path: '/defaultFields/emails/0/id', value: 'EMnope' });
    const bad = await call(sb(), 'PATCH', `/v1/contacts/${c.id}`, { customFields: [{ key: 'nope', value: 1 }] });
    expect(bad.body).toMatchObject({ code: '0801400', errors: [{ key: 'nope', reason: expect.any(String) }] });
  });
});

describe('GET /v1/users/{id}', () => {
  const sb = useSandbox({ users: ['USalice', 'USbob'] });
  test('200 for a user of the workspace, 404 for any other', async () => {
    const r = await call(sb(), 'GET', '/v1/users/USbob');
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ id: 'USbob' });
    const missing = await call(sb(), 'GET', '/v1/users/USnobody');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: '0800404', title: 'Not Found' });
  });
});

describe("the 'late' fault: a create the server is still storing", () => {
  const sb = useSandbox({ faults: [{ route: 'post', kind: 'late', at: [1] }] });
  test('no answer; a lookup misses it; afterwards it is there, and a resend is a 409', async () => {
    await expect(call(sb(), 'POST', '/v1/contacts', contactBody('slow'))).rejects.toThrow();
    const miss = await call(sb(), 'GET', '/v1/contacts?externalIds=slow');
    expect(miss.body.data).toEqual([]);
    const hit = await call(sb(), 'GET', '/v1/contacts?externalIds=slow');
    expect(hit.body.data).toHaveLength(1);
    expect((await call(sb(), 'POST', '/v1/contacts', contactBody('slow'))).status).toBe(409);
    expect(sb().contactsByExternalId().get('slow')).toHaveLength(1);
  });
});
