import { once, getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gotTransport, TransportError } from '../../src/api/transport.js';

// The real transport (got) against a local server: what each kind of answer
// becomes, and how a request on its way is cut.
const KEY = 'secret-key-123';
let server: Server;
let baseUrl: string;
const seen: { method: string; url: string; body: string; auth: string | undefined }[] = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization });
      if (req.url!.startsWith('/v1/hang')) return void hanging.push(res);
      if (req.url!.startsWith('/v1/page'))
        return void res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not here</html>');
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      res.writeHead(req.method === 'POST' ? 201 : 200, {
        'content-type': 'application/json',
        'retry-after': '3',
        ratelimit: 'limit=10, remaining=9',
      });
      res.end(
        JSON.stringify({ data: { method: req.method, url: req.url, received: body === '' ? null : JSON.parse(body) } }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  server.close();
});

test('a JSON body goes out as JSON with the key; the answer comes back parsed with its rate-limit headers', async () => {
  const send = gotTransport(baseUrl, KEY, 5000, 4);
  let sent = 0;
  const res = await send(
    { method: 'POST', path: 'v1/contacts', body: { externalId: 'é-1', defaultFields: { firstName: 'Zoë' } } },
    undefined,
    () => sent++,
  );
  expect(res).toEqual({
    status: 201,
    body: {
      data: {
        method: 'POST',
        url: '/v1/contacts',
        received: { externalId: 'é-1', defaultFields: { firstName: 'Zoë' } },
      },
    },
    retryAfter: '3',
    ratelimit: 'limit=10, remaining=9',
    // The server's clock, for the ownership proof (api/server-clock.ts).
    date: expect.stringMatching(/GMT$/),
  });
  expect(sent).toBe(1);
  expect(seen.at(-1)!.auth).toBe(KEY);
});

test('query parameters are sent; a DELETE without a body is sent and answered', async () => {
  const send = gotTransport(baseUrl, KEY, 5000, 4);
  const got = await send({
    method: 'GET',
    path: 'v1/contacts',
    searchParams: new URLSearchParams([
      ['externalIds', 'a'],
      ['externalIds', 'b'],
    ]),
  });
  expect(got.body).toEqual({
    data: { method: 'GET', url: '/v1/contacts?externalIds=a&externalIds=b', received: null },
  });
  const deleted = await send({ method: 'DELETE', path: 'v1/contacts/c1' });
  expect(deleted).toEqual({
    status: 204,
    body: undefined,
    retryAfter: undefined,
    ratelimit: undefined,
    date: expect.any(String),
  });
  expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/contacts/c1', body: '' });
});

test('an answer that is not JSON is kept as text', async () => {
  const res = await gotTransport(baseUrl, KEY, 5000, 4)({ method: 'GET', path: 'v1/page' });
  expect(res).toMatchObject({ status: 404, body: '<html>not here</html>' });
});

test('a job-wide signal: no listener left behind by the requests that ended (got removes its own), and aborting it cuts a request on its way', async () => {
  const send = gotTransport(baseUrl, KEY, 30_000, 4);
  const job = new AbortController();
  for (let i = 0; i < 20; i++)
    await send({ method: 'POST', path: 'v1/contacts', body: { externalId: `s-${i}` } }, job.signal);
  expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
  const before = hanging.length;
  const pending = send({ method: 'POST', path: 'v1/hang', body: { externalId: 'h-1' } }, job.signal);
  while (hanging.length === before) await new Promise((r) => setTimeout(r, 10));
  job.abort();
  const err = (await pending.catch((e: unknown) => e)) as TransportError;
  expect(err).toBeInstanceOf(TransportError);
  expect(err).toMatchObject({ kind: 'network', maybeSent: true });
  // The connection was really closed, not left open behind the rejection.
  const cut = hanging.at(-1)!;
  if (!cut.socket?.destroyed) await once(cut.socket!, 'close');
});

test('no answer before the timeout is a timeout that may have been applied; the key is not in the error', async () => {
  const err = (await gotTransport(
    baseUrl,
    KEY,
    200,
    4,
  )({ method: 'POST', path: 'v1/hang', body: { externalId: 't-1' } }).catch((e: unknown) => e)) as TransportError;
  expect(err).toMatchObject({ kind: 'timeout', maybeSent: true });
  expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(KEY);
});

test('nothing listening is a refusal, known not to have been sent', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, 'close');
  const err = (await gotTransport(
    `http://127.0.0.1:${port}`,
    KEY,
    2000,
    4,
  )({ method: 'GET', path: 'v1/contacts' }).catch((e: unknown) => e)) as TransportError;
  expect(err).toMatchObject({ kind: 'refused', maybeSent: false });
});
