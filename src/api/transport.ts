import { Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Got } from 'got';

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, e.g. "v1/contacts". */
  readonly path: string;
  readonly searchParams?: URLSearchParams;
  readonly body?: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter?: string;
  readonly ratelimit?: string;
  /** The `Date` header: the server's clock (api/server-clock.ts). */
  readonly date?: string;
}

/**
 * No answer came. `maybeSent` says whether the server may have received the
 * request (a timeout or a reset after connecting): then the outcome is unknown.
 */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'reset' | 'refused' | 'network',
    readonly maybeSent: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The HTTP layer, injected so the sender is tested against a scripted fake. */
export type Transport = (request: ApiRequest, signal?: AbortSignal, onSent?: () => void) => Promise<ApiResponse>;

/**
 * The real transport: got with keep-alive, no retries of its own (the sender
 * decides), no exceptions for HTTP statuses. Errors are rebuilt from their code
 * alone: got's error objects carry the request headers, Authorization included,
 * and must never reach a log.
 *
 * `sockets` must exceed the requests that can be on their way at once (creates
 * and lookups): a request waiting for a free socket leaves later than the rate
 * limiter granted it, and would arrive bunched with the next ones.
 *
 * got's stream API: its 'request' event tells when the request has left (the
 * departure an ownership proof compares a contact's createdAt with). A stop
 * reaches got through its own `signal` option.
 */
export function gotTransport(baseUrl: string, apiKey: string, timeoutMs: number, sockets: number): Transport {
  // got loads with the first request, not with the module: a dry run without a key, status and init
  // never send one, and got is a tenth of a second of their start-up.
  let loaded: Promise<Got> | undefined;
  const client = () =>
    (loaded ??= import('got').then(({ default: got }) => gotClient(got, baseUrl, apiKey, timeoutMs, sockets)));
  return async (request, signal, onSent) => send(await client(), request, signal, onSent);
}

function gotClient(got: Got, baseUrl: string, apiKey: string, timeoutMs: number, sockets: number): Got {
  return got.extend({
    prefixUrl: baseUrl,
    headers: { authorization: apiKey, 'user-agent': 'openphone-import' },
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    agent: {
      http: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    },
  });
}

function send(
  client: Got,
  request: ApiRequest,
  signal: AbortSignal | undefined,
  onSent: (() => void) | undefined,
): Promise<ApiResponse> {
  return new Promise<ApiResponse>((resolve, reject) => {
    const stream = client.stream(request.path, {
      method: request.method,
      ...(request.searchParams !== undefined && { searchParams: request.searchParams }),
      ...(request.body !== undefined && { json: request.body }),
      ...(signal !== undefined && { signal }),
    });
    // 'finish': the whole request has been handed to the operating system.
    if (onSent !== undefined) stream.once('request', (req: ClientRequest) => req.once('finish', onSent));
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    stream.once('response', (res: IncomingMessage) => (response = res));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      // got's streams do not destroy themselves; destroying releases the request's timers and listeners.
      stream.destroy();
      if (response === undefined) reject(new TransportError('network', true, 'the connection ended with no answer'));
      else resolve(toApiResponse(response, Buffer.concat(chunks).toString('utf8')));
    });
    stream.once('error', (err) => reject(toTransportError(err)));
    // got sends a body given in the options and ends the request itself; a
    // request that may carry one but has none (DELETE) is ended here.
    if (request.body === undefined && request.method !== 'GET') stream.end();
  });
}

function toApiResponse(res: IncomingMessage, text: string): ApiResponse {
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // An HTML error page (unknown route): keep the text.
  }
  const header = (name: string) => {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    status: res.statusCode ?? 0,
    body,
    retryAfter: header('retry-after'),
    ratelimit: header('ratelimit'),
    date: header('date'),
  };
}

function toTransportError(err: unknown): TransportError {
  const e = err as { code?: string; name?: string };
  const code = e.code ?? '';
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT')
    return new TransportError('timeout', true, 'no answer before the timeout');
  if (code === 'ECONNREFUSED') return new TransportError('refused', false, 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new TransportError('network', false, `host not found (${code})`);
  if (e.name === 'AbortError' || code === 'ERR_ABORTED') return new TransportError('network', true, 'request aborted');
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE')
    return new TransportError('reset', true, `connection closed with no answer (${code})`);
  return new TransportError('network', true, `network error${code ? ` (${code})` : ''}`);
}
