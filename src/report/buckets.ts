// The buckets are the summary's vocabulary (summary.json's counts, report.html,
// the metrics file): report/ names them; job/counts.ts tallies records into them.

/**
 * Where a record ends. valid: a dry run's "would create"; created: made by
 * this job; updated: its contact PATCHed (a changed record, or --on-existing
 * update); adopted: a workspace contact without an externalId took it;
 * unchanged: finished before and the same now (no request); existing: the
 * workspace had the contact and the job leaves it alone; changed: changed
 * since, not sent (--on-changed skip; a dry run's "would update"); review:
 * matches contacts a person must decide on (review.csv); tripped: refused in
 * a streak that stopped the job as a job-wide refusal (the key's or the
 * workspace's, not the record's: sent again on the next run); restored: its
 * contact was deleted in the app, and run --verify made it again; skipped: a
 * person decided in review.csv not to import it.
 */
export const BUCKETS = [
  'valid',
  'created',
  'restored',
  'updated',
  'adopted',
  'unchanged',
  'existing',
  'changed',
  'review',
  'skipped',
  'duplicate',
  'failed',
  'tripped',
  'notSent',
  'inDoubt',
  'ignored',
] as const;
export type Bucket = (typeof BUCKETS)[number];
