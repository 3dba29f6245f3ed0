/**
 * Refusals that speak of the key, its permissions or the route (a wrong base
 * URL), never of one record: a record refused so is never failed for good.
 */
export const refusesKeyOrRoute = (status: number): boolean => status === 401 || status === 403 || status === 404;

/** The HTTP status inside an API refusal's code (`API_400_0801400` → 400), or undefined for other codes. */
export function apiStatusOf(code: string): number | undefined {
  const m = /^API_(\d{3})(?:_|$)/.exec(code);
  return m ? Number(m[1]) : undefined;
}

/**
 * The API's error code and message from an error body (envelope or the 401
 * shape), for reports. `namesField`: the body points at a field of the
 * request (an `errors[]` item with a path or a key): the record's own fault.
 */
export function describeApiError(status: number, body: unknown): { code: string; message: string; namesField?: true } {
  if (body !== null && typeof body === 'object') {
    const b = body as {
      code?: unknown;
      message?: unknown;
      title?: unknown;
      errors?: { path?: unknown; message?: unknown; key?: unknown; reason?: unknown }[];
      error?: { message?: unknown };
    };
    const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
    // Error items come as { path, message } or, for custom fields in the newest spec, { key, reason }.
    const detail =
      first && typeof first.message === 'string'
        ? `${typeof first.path === 'string' ? `${first.path}: ` : ''}${first.message}`
        : first && typeof first.reason === 'string'
          ? `custom field ${typeof first.key === 'string' ? `"${first.key}"` : '?'}: ${first.reason}`
          : undefined;
    const message =
      detail ??
      (typeof b.message === 'string' ? b.message : typeof b.error?.message === 'string' ? b.error.message : undefined);
    const code = typeof b.code === 'string' ? b.code : `HTTP_${status}`;
    const namesField = first !== undefined && (typeof first.path === 'string' || typeof first.key === 'string');
    return {
      code: `API_${status}_${code}`,
      message: `the API answered ${status}${typeof b.title === 'string' ? ` ${b.title}` : ''}: ${message ?? 'no message'}`,
      ...(namesField && { namesField: true as const }),
    };
  }
  const text = typeof body === 'string' && body.length < 200 && !body.includes('<') ? `: ${body}` : '';
  return { code: `API_${status}`, message: `the API answered ${status}${text}` };
}
