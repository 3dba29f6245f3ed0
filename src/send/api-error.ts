/** The API's error code and message from an error body (envelope or the 401 shape), for reports. */
export function describeApiError(status: number, body: unknown): { code: string; message: string } {
  if (body !== null && typeof body === 'object') {
    const b = body as { code?: unknown; message?: unknown; title?: unknown; errors?: { path?: unknown; message?: unknown; key?: unknown; reason?: unknown }[]; error?: { message?: unknown } };
    const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
    // Error items come as { path, message } or, for custom fields in the newest spec, { key, reason }.
    const detail =
      first && typeof first.message === 'string'
        ? `${typeof first.path === 'string' ? `${first.path}: ` : ''}${first.message}`
        : first && typeof first.reason === 'string'
          ? `custom field ${typeof first.key === 'string' ? `"${first.key}"` : '?'}: ${first.reason}`
          : undefined;
    const message = detail ?? (typeof b.message === 'string' ? b.message : typeof b.error?.message === 'string' ? b.error.message : undefined);
    const code = typeof b.code === 'string' ? b.code : `HTTP_${status}`;
    return { code: `API_${status}_${code}`, message: `the API answered ${status}${typeof b.title === 'string' ? ` ${b.title}` : ''}: ${message ?? 'no message'}` };
  }
  const text = typeof body === 'string' && body.length < 200 && !body.includes('<') ? `: ${body}` : '';
  return { code: `API_${status}`, message: `the API answered ${status}${text}` };
}
