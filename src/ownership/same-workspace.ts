import type { ApiClient } from '../api/client.js';
import { UsageError } from '../errors.js';
import { jobContacts } from './created-by-job.js';
import type { ResumeState } from '../journal/fold-state.js';

/** How many of the job's contacts are read to tell its workspace. */
const SAMPLE = 5;

/**
 * --same-workspace with a new key: every workspace lives at the same URL, so
 * the URL says nothing. Before the job is bound to the key, a few contacts the
 * job made are read by their ids (ids belong to one workspace): when none is
 * there, the key is another workspace's and the run stops (exit 2), the job
 * left bound to its old key. A job that made no contact has nothing to lose.
 */
export async function checkSameWorkspace(
  api: ApiClient,
  journalPath: string,
  past: Pick<ResumeState, 'done'>,
): Promise<void> {
  const made = past.done.countByRelation().created;
  if (made === 0) return;
  // Spread over the job: the first and last made, and some between.
  const picked = new Set(
    Array.from({ length: Math.min(SAMPLE, made) }, (_, k) => Math.floor((k * (made - 1)) / Math.max(1, SAMPLE - 1))),
  );
  let n = 0;
  const sample = jobContacts(journalPath, past, (_, done) => done.relation === 'created' && picked.has(n++));
  let found = 0;
  let unanswered = 0;
  for (const c of sample) {
    const r = await api.call(
      { method: 'GET', path: `v1/contacts/${encodeURIComponent(c.contactId)}` },
      { count: 'checks' },
    );
    if (r.kind === 'answer' && r.res.status === 200) found++;
    else if (r.kind !== 'answer' || r.res.status !== 404) unanswered++;
    if (found > 0) return;
  }
  if (unanswered > 0)
    throw new UsageError(
      'SAME_WORKSPACE_UNCHECKED',
      `--same-workspace: the contacts this job made could not be read with the new key (${unanswered} of ${sample.length} unanswered): the job was not moved to it`,
      { hint: 'run the same command again when the API answers' },
    );
  throw new UsageError(
    'NOT_SAME_WORKSPACE',
    `--same-workspace: none of ${sample.length} contacts this job made (${sample.map((c) => c.contactId).join(', ')}) is in the workspace of the new key: it is another workspace's key. Nothing was sent, and the job stays bound to its key`,
    {
      hint: 'to import into that workspace, start a new job (add --state-dir with a new folder); to continue this job, use the key of the workspace it imported into',
    },
  );
}
