import type { ApiClient } from '../api/client.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { JobAbortedError, UsageError } from '../errors.js';
import { didYouMean } from '../util/nearest.js';
import { describeApiError } from '../api/api-error.js';

interface Definition {
  readonly name: string;
  readonly key: string;
  readonly type: string;
}

/** A start-up read: through the client (retried like any request); anything but a 200 after that stops the job. */
async function readOnce(api: ApiClient, path: string, what: string, baseUrl: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
  const r = await api.call({ method: 'GET', path }, { count: 'checks', ...(signal && { signal }) });
  if (r.kind === 'gaveUp') throw new JobAbortedError('API_UNREACHABLE', `cannot read ${what} from the API at ${baseUrl}: ${r.message}; nothing was sent. Rerun when the API answers.`);
  if (r.kind !== 'answer') throw new JobAbortedError('API_UNREACHABLE', `reading ${what} was stopped; nothing was sent`);
  return r.res;
}

/**
 * Before any contact is sent: every custom field the config maps must exist in
 * the workspace with the configured type. A wrong key would fail every record
 * with 400 0801400 one request at a time; this fails once, with the list.
 */
export async function checkWorkspace(config: ResolvedConfig, baseUrl: string, api: ApiClient, signal?: AbortSignal): Promise<void> {
  const res = await readOnce(api, 'v1/contact-custom-fields', "the workspace's custom fields", baseUrl, signal);
  if (res.status !== 200) throw new JobAbortedError('WORKSPACE_CHECK_FAILED', `reading the workspace's custom fields failed: ${describeApiError(res.status, res.body).message}`);
  const definitions = ((res.body as { data?: Definition[] } | undefined)?.data ?? []).filter((d) => typeof d?.key === 'string');
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const problems: string[] = [];
  config.customFields.forEach((field, i) => {
    const def = byKey.get(field.key);
    if (def === undefined) {
      problems.push(`  customFields[${i}].key: found ${JSON.stringify(field.key)}: not a custom field of this workspace${didYouMean(field.key, [...byKey.keys()])}`);
    } else if (def.type !== field.type) {
      problems.push(`  customFields[${i}].type: found ${JSON.stringify(field.type)}: the workspace's field "${def.key}" (${def.name}) has type ${JSON.stringify(def.type)}`);
    }
  });
  if (problems.length > 0) {
    const available = definitions.length === 0 ? '(none: custom fields are made in the OpenPhone app)' : definitions.map((d) => `${d.key} (${d.type}, "${d.name}")`).join(', ');
    throw new UsageError('WORKSPACE_MISMATCH', `config ${config.file} does not fit the workspace; nothing was sent:\n${problems.join('\n')}\n  the workspace's custom fields: ${available}`);
  }
}

/**
 * `createdByUserId` names a user of the workspace: checked once (GET
 * /v1/users/{id}) before anything is sent, since every create would otherwise carry it.
 */
export async function checkCreatedByUser(config: ResolvedConfig, baseUrl: string, api: ApiClient, signal?: AbortSignal): Promise<void> {
  const id = config.createdByUserId;
  if (id === undefined) return;
  const res = await readOnce(api, `v1/users/${encodeURIComponent(id)}`, `the user createdByUserId names`, baseUrl, signal);
  if (res.status === 200) return;
  if (res.status === 404) {
    throw new UsageError('CREATED_BY_USER_UNKNOWN', `config ${config.file}: createdByUserId: found ${JSON.stringify(id)}: no such user in this workspace (GET /v1/users/${id} answered 404); nothing was sent`, { hint: 'use the id of a workspace member (it starts with "US"), or remove createdByUserId' });
  }
  throw new JobAbortedError('WORKSPACE_CHECK_FAILED', `checking createdByUserId ${JSON.stringify(id)} failed: ${describeApiError(res.status, res.body).message}; nothing was sent`);
}
