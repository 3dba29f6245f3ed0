export type Bucket = 'valid' | 'created' | 'alreadyDone' | 'duplicate' | 'failed';

/** Every record read ends in exactly one bucket; the invariant is checked, never assumed. */
export class Counts {
  read = 0;
  readonly buckets: Record<Bucket, number> = { valid: 0, created: 0, alreadyDone: 0, duplicate: 0, failed: 0 };
  readonly byCode: Record<string, number> = {};

  add(bucket: Bucket, codes: readonly string[] = []): void {
    this.buckets[bucket]++;
    for (const code of new Set(codes)) this.byCode[code] = (this.byCode[code] ?? 0) + 1;
  }

  /** read = valid + created + alreadyDone + duplicate + failed (valid only in a dry run, where nothing is created). */
  get accounted(): number {
    const b = this.buckets;
    return b.valid + b.created + b.alreadyDone + b.duplicate + b.failed;
  }

  get invariantHolds(): boolean {
    return this.accounted === this.read;
  }
}
