import type { RejectedRecord, ValidRecord } from '../classify/classify.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { ProblemCode } from '../mapping/problem.js';
import type { PastView } from './plan.js';

/** A record failed for its id's leading zeros, and the finished record's id it stands for (read, so not missing). */
export type IdFormCheck = (
  record: ValidRecord,
) => { readonly rejected: RejectedRecord; readonly finished: string } | undefined;

/** An id that ends in digits: what comes before them, and them. */
const TRAILING_DIGITS = /^(.*?)(\d+)$/s;

/**
 * A spreadsheet app that opens an export and saves it again reads an id
 * column of digits as numbers: "000123" comes back as "123" (the sibling of
 * EXTERNAL_ID_SCIENTIFIC, which it cannot tell from the cell alone). Sent,
 * "123" would be a second contact of the person whose contact "000123" the
 * job keeps, and --delete-missing would take "000123" for gone. So a record
 * the journal does not know, whose id is a finished record's with the leading
 * zeros of its last digits dropped or added, fails, naming that record; and
 * that record counts as read (its person is in the file). Asked of creates
 * only (plan.ts isCreate: the journal knows no write of the record, nor an
 * attempt in doubt). Undefined for a job that has finished nothing.
 */
export function idFormCheck(past: PastView, column: string | undefined): IdFormCheck | undefined {
  if (past.done.size === 0) return undefined;
  let widths: readonly number[] | undefined;
  /** The finished record's id this one is with other leading zeros, or undefined. */
  const finishedForm = (id: string): string | undefined => {
    const [, before = '', digits = ''] = TRAILING_DIGITS.exec(id) ?? [];
    if (digits === '') return undefined;
    const unpadded = digits.replace(/^0+(?=\d)/, '');
    if (unpadded !== digits && past.done.has(before + unpadded)) return before + unpadded;
    widths ??= past.done.paddedDigitWidths();
    for (const width of widths) {
      if (width <= unpadded.length) continue;
      const padded = before + unpadded.padStart(width, '0');
      if (padded !== id && past.done.has(padded)) return padded;
    }
    return undefined;
  };
  return (record) => {
    const id = record.externalId;
    // A failed record of its own, retried: its id is the journal's already.
    if (past.failed.has(id)) return undefined;
    const finished = finishedForm(id);
    if (finished === undefined) return undefined;
    const { line, fields } = record;
    const rejected: RejectedRecord = {
      kind: 'rejected',
      bucket: 'failed',
      line,
      externalId: id,
      fields,
      problems: [
        {
          code: ProblemCode.externalIdZeros,
          line,
          ...(column !== undefined && { column }),
          value: id,
          message: `this job imported the record ${JSON.stringify(finished)}, the same id with ${finished.length > id.length ? 'its leading zeros' : 'fewer leading zeros'}: a spreadsheet app saved the file with the id column as numbers. Sent as it is, it would be a second contact of the same person. Take the ids from the export as the source system wrote it, or format the column as Text in the spreadsheet before saving`,
        },
      ],
    };
    return { rejected, finished };
  };
}

/** The column the externalId is read from, when it is one (a template's id has no single column). */
export const idColumnOf = (config: ResolvedConfig): string | undefined =>
  config.externalId.kind === 'column' ? config.externalId.column : undefined;
