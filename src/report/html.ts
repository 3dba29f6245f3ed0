/** Markup that is already safe: made by the `html` tag, or a constant of the program's own. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const escape = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const piece = (v: unknown): string => {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === undefined || v === null || v === false) return '';
  return escape(v);
};

/**
 * A tagged template for report.html: every interpolated value is escaped,
 * unless it is markup this same tag made (an `Html`); lists are joined. A
 * forgotten escape is then impossible: a CSV cell `<script>` comes out as text.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += piece(v) + strings[i + 1]!));
  return new Html(out);
}
