import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got } from 'got';

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
 */
/**
 * `sockets` must exceed the requests that can be on their way at once (creates
 * and lookups): a request waiting for a free socket leaves later than the rate
 * limiter granted it, and would arrive bunched with the next ones.
 */
export function gotTransport(baseUrl: string, apiKey: string, timeoutMs: number, sockets: number): Transport {
  const client: Got = got.extend({
    prefixUrl: baseUrl,
    headers: { authorization: apiKey, 'user-agent': 'openphone-import' },
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    responseType: 'text',
    agent: {
      http: new HttpAgent({ keepAlive: true, maxSockets: sockets }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: sockets }),
    },
  });
  return async (request, signal, onSent) => {
    try {
      const pending = client(request.path, {
        method: request.method,
        ...(request.searchParams !== undefined && { searchParams: request.searchParams }),
        ...(request.body !== undefined && { json: request.body }),
        ...(signal !== undefined && { signal }),
      });
      // 'finish': the whole request has been handed to the operating system.
      if (onSent !== undefined) pending.on('request', (req) => req.once('finish', onSent));
      const res = await pending;
      let body: unknown = res.body;
      try {
        body = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        // An HTML error page (unknown route): keep the text.
      }
      const header = (name: string) => {
        const v = res.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      return { status: res.statusCode, body, retryAfter: header('retry-after'), ratelimit: header('ratelimit') };
    } catch (err) {
      throw toTransportError(err);
    }
  };
}

function toTransportError(err: unknown): TransportError {
  const e = err as { code?: string; name?: string };
  const code = e.code ?? '';
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT') return new TransportError('timeout', true, 'no answer before the timeout');
  if (code === 'ECONNREFUSED') return new TransportError('refused', false, 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TransportError('network', false, `host not found (${code})`);
  if (e.name === 'AbortError' || code === 'ERR_ABORTED') return new TransportError('network', true, 'request aborted');
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return new TransportError('reset', true, `connection closed with no answer (${code})`);
  return new TransportError('network', true, `network error${code ? ` (${code})` : ''}`);
}
