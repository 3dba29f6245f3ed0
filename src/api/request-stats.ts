/** What the job asked of the API, for the summary. */
export class RequestStats {
  requests = 0;
  creates = 0;
  updates = 0;
  lookups = 0;
  /** A rollback's DELETEs. */
  deletes = 0;
  /** Start-up reads: the workspace's custom fields, the createdByUserId. */
  checks = 0;
  /** Pages of the workspace's contacts read to match existing contacts (--match-existing). */
  listing = 0;
  rateLimited = 0;
  retries = 0;
  serverErrors = 0;
  transportErrors = 0;

  toJSON(): Record<string, number> {
    const {
      requests,
      creates,
      updates,
      lookups,
      deletes,
      checks,
      listing,
      rateLimited,
      retries,
      serverErrors,
      transportErrors,
    } = this;
    return {
      requests,
      creates,
      updates,
      lookups,
      ...(deletes > 0 && { deletes }),
      checks,
      ...(listing > 0 && { listing }),
      rateLimited,
      retries,
      serverErrors,
      transportErrors,
    };
  }
}
