import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';

/** A sandbox per test (ephemeral port), stopped afterwards. */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  let sb: Sandbox | undefined;
  beforeEach(async () => {
    sb = await startSandbox({ rate: 0, ...options });
  });
  afterEach(async () => {
    await sb?.stop();
  });
  return () => sb!;
}

/**
 * For tests that start their own sandboxes, each with its own options: the
 * returned function starts one, and every one started is stopped after the
 * test, passed or failed.
 */
export function sandboxesPerTest(): (options?: SandboxOptions) => Promise<Sandbox> {
  const started: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sb) => sb.stop()));
  });
  return async (options = {}) => {
    const sb = await startSandbox(options);
    started.push(sb);
    return sb;
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** Raw HTTP to the sandbox, not through the importer's client. */
export async function call(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  key: string | null = sb.apiKey,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const contactBody = (externalId: string, extra: Record<string, unknown> = {}) => ({
  defaultFields: {
    firstName: 'Ada',
    lastName: 'Lovelace',
    emails: [{ name: 'work', value: 'ada@example.com' }],
    phoneNumbers: [{ name: 'mobile', value: '+14155550132' }],
  },
  externalId,
  source: 'test-import',
  ...extra,
});
