import { bad, ok, ProblemCode, type Converted } from '../problem.js';

/** An http(s) URL; a bare domain such as example.com/page gets https://. */
export function toUrl(value: string): Converted<string> {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  try {
    const url = new URL(candidate);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.includes('.') && !/\s/.test(value)) {
      return ok(candidate);
    }
  } catch {
    // fall through to the problem below
  }
  return bad(ProblemCode.urlInvalid, 'expected a web address such as https://example.com');
}
