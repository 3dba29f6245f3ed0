import type { ApiClient } from '../api/client.js';
import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import { openInput } from '../input/open-input.js';
import type { Log } from '../log.js';
import { listUsers, UserDirectory } from './users.js';

/** Distinct owner cells kept for the report before sending: enough to show every owner of a real CRM. */
const MAX_OWNERS = 10_000;

/**
 * The workspace's users for config owner, and, before anything is sent, the
 * owner cells of the input that name no user (or several), with the users
 * the workspace has: the person fixes the owners or accepts the fallback
 * before the contacts exist. Reads the input once more, the owner column only.
 */
export async function readOwners(
  api: ApiClient,
  config: ResolvedConfig,
  header: HeaderIndex,
  input: string,
  log: Log,
  signal?: AbortSignal,
): Promise<UserDirectory> {
  const directory = new UserDirectory(await listUsers(api, signal));
  const owner = config.owner!;
  const at = header.positionOf.get(owner.column);
  if (at === undefined) return directory;
  const unmatched = new Map<string, { records: number; why: string }>();
  const seen = new Set<string>();
  const table = await openInput(input, config.csv);
  for await (const batch of table.batches) {
    if (signal?.aborted) break;
    for (const item of batch) {
      if (item.kind !== 'record') continue;
      const cell = (item.fields[at] ?? '').trim();
      if (cell === '') continue;
      const known = unmatched.get(cell);
      if (known !== undefined) known.records++;
      if (seen.has(cell) || seen.size >= MAX_OWNERS) continue;
      seen.add(cell);
      const m = directory.match(cell);
      if (m.kind !== 'user')
        unmatched.set(cell, {
          records: 1,
          why: m.kind === 'ambiguous' ? `names ${m.users.length} users` : 'no such user',
        });
    }
  }
  if (unmatched.size > 0) {
    const list = [...unmatched]
      .slice(0, 20)
      .map(([cell, u]) => `${JSON.stringify(cell)} (${u.records} record${u.records === 1 ? '' : 's'}: ${u.why})`);
    const then =
      owner.unknown === 'fail'
        ? 'those records fail (OWNER_UNKNOWN; owner.unknown is "fail")'
        : config.createdByUserId !== undefined
          ? `those records get the config's createdByUserId ${config.createdByUserId} (owner.unknown "default"; counted by owner in the summary)`
          : 'those records get the API key\'s default owner (owner.unknown "default"; counted by owner in the summary)';
    const message = `owner: ${unmatched.size} owner(s) in column ${JSON.stringify(owner.column)} match no single user of the workspace: ${list.join(', ')}${unmatched.size > 20 ? ', …' : ''}. ${then}. The workspace's users: ${directory.describe()}`;
    // A fallback the config chose (owner.unknown "default") is news, not trouble: a nightly --quiet run stays quiet about it.
    if (owner.unknown === 'fail') log.warn(message, 'OWNER_UNKNOWN');
    else log.info(message);
  }
  return directory;
}
