import type { z } from 'zod';
import { contactPatchSchema, contactRequestSchema } from '../api/contract.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import type { CustomFieldError, FieldError } from './envelope.js';

export type ValidationResult =
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly errors: readonly FieldError[] }
  /** 400 0801400, in the newest spec's shape: `{ key, reason }` per item. */
  | { readonly kind: 'invalidCustomField'; readonly errors: readonly CustomFieldError[] };

const schemaType = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

/**
 * A POST or PATCH body against the contract: the request schema (PATCH has its
 * own: every field optional, items with ids, no createdByUserId), then each
 * custom field's key against the workspace and its value against the field's type.
 */
export function validateContactBody(
  body: unknown,
  definitions: readonly CustomFieldDefinition[],
  method: 'POST' | 'PATCH',
): ValidationResult {
  const schema: z.ZodType<{ customFields?: readonly { key?: string | undefined; value: unknown }[] | undefined }> =
    method === 'PATCH' ? contactPatchSchema : contactRequestSchema;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      errors: parsed.error.issues.map((i) => ({
        path: `/${i.path.join('/')}`,
        message: i.message,
        value: valueAt(body, i.path),
        schema: { type: i.code === 'invalid_type' ? String((i as { expected?: string }).expected) : 'string' },
      })),
    };
  }
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const errors: CustomFieldError[] = [];
  for (const item of parsed.data.customFields ?? []) {
    // A PATCH item named by id alone is checked against the contact's own fields when applied.
    if (item.key === undefined) continue;
    const def = byKey.get(item.key);
    if (def === undefined) {
      errors.push({ key: item.key, reason: 'Did not match any known contact custom field' });
      continue;
    }
    const problem = valueProblem(def.type, item.value);
    if (problem !== undefined) errors.push({ key: item.key, reason: `${problem}, got ${schemaType(item.value)}` });
  }
  return errors.length === 0 ? { kind: 'valid' } : { kind: 'invalidCustomField', errors };
}

function valueProblem(type: CustomFieldDefinition['type'], value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (type) {
    case 'string':
    case 'address':
      return typeof value === 'string' ? undefined : `Expected string for a ${type} field`;
    case 'url':
      return typeof value === 'string' && /^https?:\/\/\S+$/.test(value) ? undefined : 'Expected a URL string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'Expected boolean';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'Expected number';
    case 'multi-select':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? undefined
        : 'Expected an array of strings';
    case 'date':
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
        !Number.isNaN(Date.parse(value))
        ? undefined
        : 'Expected an ISO 8601 date-time string';
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}
