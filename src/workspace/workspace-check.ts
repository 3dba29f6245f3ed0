import type { ApiClient, CallResult } from '../api/client.js';
import { readResult, readStopsJob } from '../api/read-failure.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../util/nearest.js';

interface Definition {
  readonly name: string;
  readonly key: string;
  readonly type: string;
}

/** A start-up read: through the client (retried like any request). */
function readOnce(api: ApiClient, path: string, signal?: AbortSignal): Promise<CallResult<unknown>> {
  return api.call({ method: 'GET', path }, { count: 'checks', ...(signal && { signal }) });
}

/** The body of a start-up read's 200; anything else stops the job. */
function bodyOrStop(r: CallResult<unknown>, what: string, baseUrl: string): unknown {
  const read = readResult(r);
  if (read.kind === 'body') return read.body;
  // The two codes tell a workspace that refused from an API that did not answer.
  throw readStopsJob(
    read.failure.then === 'check' ? 'WORKSPACE_CHECK_FAILED' : 'API_UNREACHABLE',
    `reading ${what} from the API at ${baseUrl}`,
    read.failure,
  );
}

/**
 * Before any contact is sent: every custom field the config maps must exist in
 * the workspace with the configured type. A wrong key would fail every record
 * with 400 0801400 one request at a time; this fails once, with the list.
 */
export async function checkWorkspace(
  config: ResolvedConfig,
  baseUrl: string,
  api: ApiClient,
  signal?: AbortSignal,
): Promise<void> {
  const body = bodyOrStop(
    await readOnce(api, 'v1/contact-custom-fields', signal),
    "the workspace's custom fields",
    baseUrl,
  );
  const definitions = ((body as { data?: Definition[] } | undefined)?.data ?? []).filter(
    (d) => typeof d?.key === 'string',
  );
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const problems: string[] = [];
  config.customFields.forEach((field, i) => {
    const def = byKey.get(field.key);
    if (def === undefined) {
      problems.push(
        `  customFields[${i}].key: found ${JSON.stringify(field.key)}: not a custom field of this workspace${didYouMean(field.key, [...byKey.keys()])}`,
      );
    } else if (def.type !== field.type) {
      problems.push(
        `  customFields[${i}].type: found ${JSON.stringify(field.type)}: the workspace's field "${def.key}" (${def.name}) has type ${JSON.stringify(def.type)}`,
      );
    }
  });
  if (problems.length > 0) {
    const available =
      definitions.length === 0
        ? '(none: custom fields are made in the OpenPhone app)'
        : definitions.map((d) => `${d.key} (${d.type}, "${d.name}")`).join(', ');
    throw new UsageError(
      'WORKSPACE_MISMATCH',
      `config ${config.file} does not fit the workspace; nothing was sent:\n${problems.join('\n')}\n  the workspace's custom fields: ${available}`,
      {
        hint: 'set each customFields entry named above to a field of this workspace (its key and type), or make the field in the OpenPhone app first',
      },
    );
  }
}

/**
 * `createdByUserId` names a user of the workspace: checked once (GET
 * /v1/users/{id}) before anything is sent, since every create would otherwise carry it.
 */
export async function checkCreatedByUser(
  config: ResolvedConfig,
  baseUrl: string,
  api: ApiClient,
  signal?: AbortSignal,
): Promise<void> {
  const id = config.createdByUserId;
  if (id === undefined) return;
  const r = await readOnce(api, `v1/users/${encodeURIComponent(id)}`, signal);
  if (r.kind === 'answer' && r.res.status === 404) {
    throw new UsageError(
      'CREATED_BY_USER_UNKNOWN',
      `config ${config.file}: createdByUserId: found ${JSON.stringify(id)}: no such user in this workspace (GET /v1/users/${id} answered 404); nothing was sent`,
      { hint: 'use the id of a workspace member (it starts with "US"), or remove createdByUserId' },
    );
  }
  bodyOrStop(r, `the user createdByUserId ${JSON.stringify(id)} names`, baseUrl);
}
