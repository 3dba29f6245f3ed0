import type { PhoneColumn } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import { parsePhoneNumber } from '../mapping/transforms/phone-metadata.js';
import type { ValidRecord } from '../pipeline/classify.js';

/**
 * The first few valid records' phone numbers, as written and as they will be
 * sent, for the dry run's screen: `line 3: (415) 555-0199 → +1 415 555 0199 (US)`.
 * A country read wrongly shows here before anything is sent.
 */
export class PhoneSamples {
  readonly lines: string[] = [];

  constructor(
    private readonly header: HeaderIndex,
    private readonly columns: readonly PhoneColumn[],
    private readonly max = 4,
  ) {}

  offer(record: ValidRecord): void {
    if (this.lines.length >= this.max) return;
    const sent = record.payload.defaultFields.phoneNumbers ?? [];
    if (sent.length === 0) return;
    const written = this.columns.map((c) => record.fields[this.header.positionOf.get(c.column) ?? -1] ?? '').filter((v) => v.trim() !== '');
    const shown = sent.map((p) => {
      const n = p.value === null ? undefined : parsePhoneNumber(p.value, undefined);
      return n ? `${n.formatInternational()} (${n.country ?? `+${n.countryCallingCode}`})` : String(p.value);
    });
    this.lines.push(`line ${record.line}: ${written.join(', ')} → ${shown.join(', ')}`);
  }
}
