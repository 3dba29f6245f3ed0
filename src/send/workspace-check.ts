import type { ResolvedConfig } from '../config/resolved.js';
import { AbortError, UsageError } from '../errors.js';
import { didYouMean } from '../util/nearest.js';
import { describeApiError } from './api-error.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RequestStats } from './request-stats.js';
import { TransportError, type Transport } from './transport.js';

interface Definition {
  readonly name: string;
  readonly key: string;
  readonly type: string;
}

/**
 * Before any contact is sent: every custom field the config maps must exist in
 * the workspace with the configured type. A wrong key would fail every record
 * with 400 0801400 one request at a time; this fails once, with the list.
 */
export async function checkWorkspace(config: ResolvedConfig, baseUrl: string, transport: Transport, limiter: RateLimiter, stats: RequestStats): Promise<readonly Definition[]> {
  const sent = await limiter.acquire();
  stats.requests++;
  let res;
  try {
    res = await transport({ method: 'GET', path: 'v1/contact-custom-fields' }, undefined, sent);
  } catch (err) {
    if (err instanceof TransportError) throw new AbortError('API_UNREACHABLE', `cannot reach the API at ${baseUrl} to read the workspace's custom fields: ${err.message}`);
    throw err;
  } finally {
    sent();
  }
  if (res.status === 401) throw new AbortError('AUTH_REJECTED', 'the API rejected the API key (401 Unauthorized): check OPENPHONE_API_KEY');
  if (res.status !== 200) throw new AbortError('WORKSPACE_CHECK_FAILED', `reading the workspace's custom fields failed: ${describeApiError(res.status, res.body).message}`);
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
  return definitions;
}
