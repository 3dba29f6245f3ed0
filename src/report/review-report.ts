import type { IndexedContact } from '../workspace/index.js';
import { AtomicPrivateFile } from './private-files.js';
import { safeCsvRow, UTF8_BOM } from './spreadsheet-safe.js';

/**
 * review.csv: the records that match contacts the job may not adopt on its
 * own (several contacts, a contact another source holds, a contact an earlier
 * record took), with the candidates' ids and names. None of them was sent:
 * a person decides, for example by giving the right contact the record's
 * externalId in OpenPhone, or by deleting a duplicate, then runs the job again.
 */
export class ReviewReport {
  private readonly file: AtomicPrivateFile;
  count = 0;

  constructor(path: string) {
    this.file = new AtomicPrivateFile(path);
    this.file.stream.write(UTF8_BOM);
    this.file.stream.write(safeCsvRow(['line', 'externalId', 'why', 'candidateIds', 'candidateNames', 'candidateExternalIds']));
  }

  add(line: number, externalId: string, why: string, candidates: readonly IndexedContact[]): void {
    this.count++;
    this.file.stream.write(safeCsvRow([String(line), externalId, why, candidates.map((c) => c.id).join(' '), candidates.map((c) => c.name).join(' | '), candidates.map((c) => c.externalId ?? '').join(' ')]));
  }

  pace(): Promise<void> {
    return this.file.pace();
  }

  commit(): Promise<void> {
    return this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }
}
