import { nationalFormatOf } from '../mapping/national-formats.js';
import { BUCKETS, type Bucket } from '../report/buckets.js';
import { ProblemDigest } from '../report/problem-digest.js';

/** Distinct unmatched owner cells kept for the summary: more would say nothing more. */
const MAX_DISTINCT_OWNERS = 1000;

/** Every record read ends in exactly one bucket; the invariant is checked, never assumed. */
export class Counts {
  read = 0;
  readonly buckets = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>;
  readonly byCode: Record<string, number> = {};
  /** Values left out of imported records (dropped-values.csv), by code: not a bucket, a record may drop several. */
  readonly dropped: Record<string, number> = {};
  /** Records whose outcome came from sending them in this run (the progress rate counts these). */
  sent = 0;
  /** Problems by code and column, with examples (failed records and values left out). */
  readonly digest = new ProblemDigest();

  /** Phone numbers left out (PHONE_INVALID, dropped or failing their record), and of them, those in one country's national format, by country. */
  readonly phonesLeftOut = { total: 0, byFormat: {} as Record<string, number> };
  /** Owner cells that matched no user, each with its records (owner.unknown "default": the contact got the fallback owner). Not values left out: nothing of the record was lost. */
  readonly ownersUnmatched = new Map<string, number>();

  /** Counts an owner cell that matched no user; the distinct cells kept are bounded like the owner check's. */
  noteOwnerUnmatched(cell: string): void {
    const known = this.ownersUnmatched.get(cell);
    if (known !== undefined || this.ownersUnmatched.size < MAX_DISTINCT_OWNERS)
      this.ownersUnmatched.set(cell, (known ?? 0) + 1);
  }

  /** Contacts imported (or, in a dry run, valid) without a phone number: in a phone system, worth a headline. */
  withoutPhone = 0;
  /** Fields a sync found changed both in the source and in the workspace (conflicts.csv): not a bucket, a record may have several. */
  conflicts = 0;
  /** Fields run --verify found no longer as the job wrote them (drift.csv). */
  drift = 0;
  /** Existing records whose contact carries the config's source but another job made (Recorder.ofAnotherJob). */
  ofAnotherJob = 0;

  /** Tallies the phone numbers among these problems: what the summary's hint about phone.defaultCountry is made of. */
  notePhones(problems: readonly { readonly code: string; readonly value?: string }[]): void {
    for (const p of problems) {
      if (p.code !== 'PHONE_INVALID' || p.value === undefined) continue;
      this.phonesLeftOut.total++;
      const format = nationalFormatOf(p.value);
      if (format !== undefined)
        this.phonesLeftOut.byFormat[format.country] = (this.phonesLeftOut.byFormat[format.country] ?? 0) + 1;
    }
  }

  /** The first lines that were not records (blank rows, a report's footer), for the summary. */
  readonly ignoredLines: { line: number; text: string; why: string }[] = [];

  addIgnored(line: number, text: string, why: string): void {
    this.add('ignored');
    if (this.ignoredLines.length < 20) this.ignoredLines.push({ line, text: text.slice(0, 200), why });
  }

  addDropped(codes: readonly string[]): void {
    for (const code of codes) this.dropped[code] = (this.dropped[code] ?? 0) + 1;
  }

  /** Failed and duplicate records by their first code, as failures.csv lists them: the journal keeps it for status. */
  readonly failedBy: Record<string, number> = {};

  add(bucket: Bucket, codes: readonly string[] = []): void {
    this.buckets[bucket]++;
    if ((bucket === 'failed' || bucket === 'duplicate') && codes[0] !== undefined)
      this.failedBy[codes[0]] = (this.failedBy[codes[0]] ?? 0) + 1;
    for (const code of new Set(codes)) this.byCode[code] = (this.byCode[code] ?? 0) + 1;
  }

  /**
   * read = the sum of every bucket. `valid` is only used by a dry run (nothing
   * is created); `notSent` and `inDoubt` only by a run stopped early, for
   * records read but not sent, and for records sent whose answer was cut off
   * (the next run looks them up).
   */
  get accounted(): number {
    return BUCKETS.reduce((n, b) => n + this.buckets[b], 0);
  }

  /** The invariant as a sum a person can check. */
  get formula(): string {
    return `read ${this.read} = ${BUCKETS.map((b) => `${b} ${this.buckets[b]}`).join(' + ')}`;
  }

  get invariantHolds(): boolean {
    return this.accounted === this.read;
  }
}
