import { contactRequestSchema } from '../api/contract.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import type { FieldError } from './envelope.js';

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly customField: boolean; readonly errors: readonly FieldError[] };

const schemaType = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

/**
 * A POST or PATCH body against the contract: the request schema, then each
 * custom field's key against the workspace and its value against the field's type.
 */
export function validateContactBody(body: unknown, definitions: readonly CustomFieldDefinition[], partial: boolean): ValidationResult {
  const schema = partial ? contactRequestSchema.partial().extend({ defaultFields: contactRequestSchema.shape.defaultFields.partial().optional() }) : contactRequestSchema;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      customField: false,
      errors: parsed.error.issues.map((i) => ({
        path: `/${i.path.join('/')}`,
        message: i.message,
        value: valueAt(body, i.path),
        schema: { type: i.code === 'invalid_type' ? String((i as { expected?: string }).expected) : 'string' },
      })),
    };
  }
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const errors: FieldError[] = [];
  (parsed.data.customFields ?? []).forEach((item, i) => {
    const def = byKey.get(item.key);
    const path = `/customFields/${i}`;
    if (def === undefined) {
      errors.push({ path: `${path}/key`, message: `Unknown custom field key "${item.key}"`, value: item.key, schema: { type: 'string' } });
      return;
    }
    const problem = valueProblem(def.type, item.value);
    if (problem !== undefined) errors.push({ path: `${path}/value`, message: problem, value: item.value, schema: { type: schemaType(item.value) } });
  });
  return errors.length === 0 ? { ok: true } : { ok: false, customField: true, errors };
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
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'Expected an array of strings';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))
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
