import type { IndexedContact } from '../workspace/index.js';
import { CsvReport } from './csv-report.js';

/**
 * review.csv's columns. `decision` is the person's: `adopt CONTACT_ID` (one
 * of the candidates), `create`, or `skip`; running the job with the file as
 * input carries the decisions out (job/review-decisions.ts).
 */
export const REVIEW_COLUMNS = [
  'line',
  'externalId',
  'name',
  'why',
  'candidateIds',
  'candidateNames',
  'candidateExternalIds',
  'decision',
] as const;

/**
 * review.csv: the records that match contacts the job may not adopt on its
 * own (several contacts, a contact another source holds, a contact an earlier
 * record took), with the candidates' ids and names. None of them was sent:
 * a person decides, for example by giving the right contact the record's
 * externalId in OpenPhone, or by deleting a duplicate, then runs the job again.
 */
export class ReviewReport extends CsvReport {
  /** `keepEdits`: a review.csv a person filled decisions into is moved aside, never written over. */
  constructor(path: string, keepEdits?: (aside: string) => void, delimiter?: string) {
    super(path, REVIEW_COLUMNS, {
      omitWhenEmpty: true,
      ...(keepEdits !== undefined && { keepEdits }),
      ...(delimiter !== undefined && { delimiter }),
    });
  }

  /** `name`: the record's, beside the candidates' names, so a person can tell the same person from another. */
  add(line: number, externalId: string, name: string, why: string, candidates: readonly IndexedContact[]): void {
    this.write([
      String(line),
      externalId,
      name,
      why,
      candidates.map((c) => c.id).join(' '),
      candidates.map((c) => c.name).join(' | '),
      candidates.map((c) => c.externalId ?? '').join(' '),
      '',
    ]);
  }
}
