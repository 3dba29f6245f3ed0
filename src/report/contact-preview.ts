import type { PhoneColumn } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import { parsePhoneNumber } from '../phone/phone-metadata.js';
import type { ValidRecord } from '../classify/classify.js';

/** The longest preview line printed (a terminal's width, with room for the indent). */
const PREVIEW_WIDTH = 150;

/**
 * The first few valid records as they will be sent, for the dry run's screen:
 * name, company, and the phone numbers as written and as sent, with their
 * country (`line 3: Ada Lovelace, Engines: (415) 555-0199 → +1 415 555 0199 (US)`).
 * A country read wrongly shows here before anything is sent.
 */
export class ContactPreview {
  readonly lines: string[] = [];

  constructor(
    private readonly header: HeaderIndex,
    private readonly columns: readonly PhoneColumn[],
    private readonly max = 3,
  ) {}

  offer(record: ValidRecord): void {
    if (this.lines.length >= this.max) return;
    const fields = record.payload.defaultFields;
    const sent = fields.phoneNumbers ?? [];
    const who =
      [[fields.firstName, fields.lastName].filter(Boolean).join(' '), fields.company].filter(Boolean).join(', ') ||
      '(no name)';
    const written = this.columns
      .map((c) => record.fields[this.header.positionOf.get(c.column) ?? -1] ?? '')
      .filter((v) => v.trim() !== '');
    const shown = sent.map((p) => {
      const n = p.value === null ? undefined : parsePhoneNumber(p.value, undefined);
      return n ? `${n.formatInternational()} (${n.country ?? `+${n.countryCallingCode}`})` : String(p.value);
    });
    const emails = (fields.emails ?? []).map((e) => e.value).join(', ');
    const phones = sent.length > 0 ? `: ${written.join(', ')} → ${shown.join(', ')}` : '';
    const line = `line ${record.line}: ${who}${phones}${emails ? `; ${emails}` : ''}`;
    // A preview is a glance: a 20 MB name is cut to a line's width, never printed whole.
    this.lines.push(line.length <= PREVIEW_WIDTH ? line : `${line.slice(0, PREVIEW_WIDTH - 1)}…`);
  }
}
