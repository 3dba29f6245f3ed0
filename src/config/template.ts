/**
 * externalId templates: "hubspot-{Record ID}". `{{` and `}}` are literal braces.
 * Parsed once at config load into parts, so rendering a record is a join.
 */
export type TemplatePart = { literal: string } | { column: string };

export function parseTemplate(template: string): { parts: TemplatePart[] } | { error: string } {
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
      if (end < 0) return { error: `unclosed "{" at character ${i + 1}` };
      const column = template.slice(i + 1, end);
      if (column.length === 0) return { error: `empty "{}" at character ${i + 1}` };
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ column });
      i = end;
    } else if (ch === '}') {
      return { error: `unmatched "}" at character ${i + 1} (write "}}" for a literal brace)` };
    } else {
      literal += ch;
    }
  }
  if (literal) parts.push({ literal });
  if (!parts.some((p) => 'column' in p)) return { error: 'names no column: expected at least one {Column Name}' };
  return { parts };
}

/** Renders the template; undefined when any column it names is empty (no half-made ids). */
export function renderTemplate(parts: readonly TemplatePart[], get: (column: string) => string): string | undefined {
  let out = '';
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
    } else {
      const value = get(part.column).trim();
      if (value === '') return undefined;
      out += value;
    }
  }
  return out;
}
