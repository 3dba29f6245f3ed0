import { createHash } from 'node:crypto';
import { EXTERNAL_ID_MAX } from '../api/contract.js';

/**
 * externalId templates: "hubspot-{Record ID}". `{{` and `}}` are literal braces.
 * Parsed once at config load into parts, so rendering a record is a join.
 */
export type TemplatePart = { literal: string } | { column: string; split?: string };

export function parseTemplate(
  template: string,
): { kind: 'parsed'; parts: TemplatePart[] } | { kind: 'error'; error: string } {
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    const next = template[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      literal += ch;
      i++;
    } else if (ch === '{') {
      const end = template.indexOf('}', i + 1);
      if (end < 0) return { kind: 'error', error: `unclosed "{" at character ${i + 1}` };
      const column = template.slice(i + 1, end);
      if (column.length === 0) return { kind: 'error', error: `empty "{}" at character ${i + 1}` };
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ column });
      i = end;
    } else if (ch === '}') {
      return { kind: 'error', error: `unmatched "}" at character ${i + 1} (write "}}" for a literal brace)` };
    } else {
      literal += ch;
    }
  }
  if (literal) parts.push({ literal });
  if (!parts.some((p) => 'column' in p))
    return { kind: 'error', error: 'names no column: expected at least one {Column Name}' };
  return { kind: 'parsed', parts };
}

/**
 * Renders the template. A column the mapping splits (a multi-value cell such as
 * Google's "a ::: b") gives its first value, so no separator ends up inside an id.
 * `allowEmpty`: an empty column contributes nothing (at least one must be filled);
 * otherwise any empty column leaves the id undefined (no half-made ids).
 * Returns the id, or the columns that were empty.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  get: (column: string) => string,
  allowEmpty = false,
): { kind: 'rendered'; id: string } | { kind: 'empty'; empty: string[] } {
  let out = '';
  const empty: string[] = [];
  let filled = 0;
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    let value = get(part.column).trim();
    if (part.split !== undefined && value.includes(part.split))
      value =
        value
          .split(part.split)
          .map((v) => v.trim())
          .find(Boolean) ?? '';
    if (value === '') empty.push(part.column);
    else filled++;
    out += value;
  }
  if (filled === 0 || (!allowEmpty && empty.length > 0)) return { kind: 'empty', empty };
  return { kind: 'rendered', id: allowEmpty ? fitToIdLength(out) : out };
}

/**
 * An id built from names and emails can run past the API's 75 characters. It
 * keeps its readable start and ends with a hash of the whole: still one id per
 * record, the same on every run, and never too long.
 */
export function fitToIdLength(id: string): string {
  if (id.length <= EXTERNAL_ID_MAX) return id;
  const hash = createHash('sha256').update(id).digest('base64url').slice(0, 22);
  return `${id.slice(0, EXTERNAL_ID_MAX - hash.length - 1)}~${hash}`;
}
