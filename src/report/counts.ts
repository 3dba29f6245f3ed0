import { ProblemDigest } from './problem-digest.js';

export type Bucket = 'valid' | 'created' | 'updated' | 'alreadyDone' | 'duplicate' | 'failed' | 'notSent' | 'inDoubt' | 'ignored';

/** Every record read ends in exactly one bucket; the invariant is checked, never assumed. */
export class Counts {
  read = 0;
  readonly buckets: Record<Bucket, number> = { valid: 0, created: 0, updated: 0, alreadyDone: 0, duplicate: 0, failed: 0, notSent: 0, inDoubt: 0, ignored: 0 };
  readonly byCode: Record<string, number> = {};
  /** Values left out of imported records (dropped-values.csv), by code: not a bucket, a record may drop several. */
  readonly dropped: Record<string, number> = {};
  /** Records whose outcome came from sending them in this run (the progress rate counts these). */
  sent = 0;
  /** Problems by code and column, with examples (failed records and values left out). */
  readonly digest = new ProblemDigest();

  /** The first lines that were not records (blank rows, a report's footer), for the summary. */
  readonly ignoredLines: { line: number; text: string; why: string }[] = [];

  addIgnored(line: number, text: string, why: string): void {
    this.add('ignored');
    if (this.ignoredLines.length < 20) this.ignoredLines.push({ line, text: text.slice(0, 200), why });
  }

  addDropped(codes: readonly string[]): void {
    for (const code of codes) this.dropped[code] = (this.dropped[code] ?? 0) + 1;
  }

  add(bucket: Bucket, codes: readonly string[] = []): void {
    this.buckets[bucket]++;
    for (const code of new Set(codes)) this.byCode[code] = (this.byCode[code] ?? 0) + 1;
  }

  /**
   * read = valid + created + updated + alreadyDone + duplicate + failed + notSent + inDoubt + ignored.
   * `valid` is only used by a dry run (nothing is created); `notSent` and
   * `inDoubt` only by a run stopped early, for records read but not sent, and
   * for records sent whose answer was cut off (the next run looks them up);
   * `updated` only with --on-existing update.
   */
  get accounted(): number {
    const b = this.buckets;
    return b.valid + b.created + b.updated + b.alreadyDone + b.duplicate + b.failed + b.notSent + b.inDoubt + b.ignored;
  }

  get invariantHolds(): boolean {
    return this.accounted === this.read;
  }
}
