/**
 * One HTTP POST to a URL the user gave for watching the job (--notify,
 * --ping-url), bounded in time: a monitor that does not answer never holds
 * up the run's exit. Such URLs often carry a secret in their path (a Slack
 * webhook, a ping UUID), so messages name only the origin.
 */

/** How long a post may take before the run gives up on it. */
export const POST_TIMEOUT_MS = 5_000;

/** The URL as it may be shown: its origin, never the path or query that may hold a secret. */
export const shownUrl = (url: URL): string => `${url.origin}/…`;

/** POSTs the body; resolves with why it failed, or undefined when the server took it (2xx). Never throws. */
export async function postTo(
  url: URL,
  body: string,
  contentType: string,
  timeoutMs = POST_TIMEOUT_MS,
): Promise<string | undefined> {
  try {
    // got loads with the first post: a run without monitors never needs it (it is a tenth of a second of start-up).
    const { default: got } = await import('got');
    const res = await got.post(url, {
      body,
      headers: { 'content-type': contentType, 'user-agent': 'openphone-import' },
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
    });
    return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `the server answered ${res.statusCode}`;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
    return e.code ?? e.message;
  }
}

/** A flag's URL, checked before the run starts: http(s) only. */
export function monitorUrl(text: string, flag: string): URL | string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // below
  }
  return `${flag}: found ${JSON.stringify(text)}: expected an http:// or https:// URL`;
}
