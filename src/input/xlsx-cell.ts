/**
 * One cell of a workbook as the importer reads it: text, as Excel stores the
 * value. A date cell is an ISO date (with its time of day when it has one); a
 * formula gives its cached result; rich text and hyperlinks give their text.
 * `number`: the cell is stored as a number, so whatever was typed into it
 * (a leading + or 0 of a phone number, the digits past 15) may be gone.
 */
export interface CellText {
  readonly text: string;
  readonly number: boolean;
  /** A formula the workbook keeps no computed value for (written by a program, not by Excel): its text is empty, and not because the cell is. */
  readonly noValue?: true;
}

const EMPTY: CellText = { text: '', number: false };

/** A cell whose text is in the shared-strings table, by its index there. */
export type SharedStringLookup = (index: number) => string | undefined;

export function cellText(value: unknown, shared?: SharedStringLookup): CellText {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') return { text: value, number: false };
  if (typeof value === 'number') return { text: numberText(value), number: true };
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE', number: false };
  if (value instanceof Date) return { text: dateText(value), number: false };
  if (typeof value === 'object') {
    const v = value as {
      sharedString?: unknown;
      richText?: { text?: unknown }[];
      formula?: unknown;
      sharedFormula?: unknown;
      result?: unknown;
      text?: unknown;
      error?: unknown;
    };
    if (typeof v.sharedString === 'number') return { text: shared?.(v.sharedString) ?? '', number: false };
    if (Array.isArray(v.richText))
      return { text: v.richText.map((r) => (typeof r.text === 'string' ? r.text : '')).join(''), number: false };
    if ('formula' in v || 'sharedFormula' in v)
      return v.result === undefined || v.result === null
        ? { text: '', number: false, noValue: true }
        : cellText(v.result, shared);
    if ('text' in v) return cellText(v.text, shared);
    if (typeof v.error === 'string') return { text: v.error, number: false };
  }
  return { text: String(value), number: false };
}

/** A number as Excel shows it in General format: integers whole (no exponent up to 15 digits), others as JavaScript writes them. */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/**
 * exceljs gives a date cell as the UTC instant of its wall-clock time (a
 * workbook has no time zone): written back as that wall-clock time, to the
 * second (serial day fractions carry float noise), and without a time when it
 * is midnight.
 */
function dateText(d: Date): string {
  const t = new Date(Math.round(d.getTime() / 1000) * 1000);
  if (Number.isNaN(t.getTime())) return '';
  const iso = t.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
}
