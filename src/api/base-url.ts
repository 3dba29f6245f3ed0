import { UsageError } from '../errors.js';
import type { Log } from '../log.js';

/** The base URL without trailing slashes: the one form every request path, journal and comparison uses. */
export const normalizeBaseUrl = (url: string): string => url.replace(/\/+$/, '');

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * The API's base URL as given (--base-url or api.baseUrl), checked once: an
 * http(s) URL; plain http only to this machine, or with a warning, since the
 * key travels in every request's header.
 */
export function checkBaseUrl(url: string, where: string, log: Log): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('BASE_URL_INVALID', `${where}: found ${JSON.stringify(url)}: expected a URL with its scheme`, {
      hint: `write it whole, e.g. https://api.openphone.com (or http://127.0.0.1:4010 for a sandbox on this machine)`,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError('BASE_URL_INVALID', `${where}: found ${JSON.stringify(url)}: expected an http or https URL`, {
      hint: 'use https://api.openphone.com, or leave it out for that default',
    });
  }
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname)) {
    log.warn(
      `${where} ${url} is plain http to another machine: the API key travels in clear in every request. Use https unless this is a test server you trust.`,
      'PLAIN_HTTP',
    );
  }
  return normalizeBaseUrl(url);
}
