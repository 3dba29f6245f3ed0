import { z } from 'zod';

/**
 * The request body of POST /v1/contacts, as far as the contract
 * (shared/openphone-contacts-api.md) documents it. The importer checks every
 * payload against it before sending, and the sandbox answers with the same rules.
 */

export const RESERVED_SOURCES = ['openphone', 'device', 'csv', 'zapier', 'google-people', 'other'] as const;
export const RESERVED_SOURCE_PREFIXES = ['openphone', 'csv'] as const;
export const EXTERNAL_ID_MAX = 75;
export const SOURCE_MAX = 72;
export const SOURCE_URL_MAX = 200;

export const CUSTOM_FIELD_TYPES = ['string', 'address', 'url', 'boolean', 'date', 'multi-select', 'number'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Why a `source` value is refused, or undefined when it is allowed. */
export function sourceProblem(source: string): string | undefined {
  if (source.length < 1 || source.length > SOURCE_MAX) return `is ${source.length} characters long; a source is 1 to ${SOURCE_MAX}`;
  const lower = source.toLowerCase();
  if ((RESERVED_SOURCES as readonly string[]).includes(lower)) {
    return `is reserved by OpenPhone (reserved: ${RESERVED_SOURCES.join(', ')}); pick a name of your own such as "crm-migration"`;
  }
  const prefix = RESERVED_SOURCE_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix !== undefined) return `starts with "${prefix}", a prefix OpenPhone reserves`;
  return undefined;
}

const labelledValue = z.strictObject({ name: z.string(), value: z.string().nullable() });

export const customFieldItemSchema = z.strictObject({
  key: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]),
});

export const contactRequestSchema = z.strictObject({
  defaultFields: z.strictObject({
    firstName: z.string().nullable(),
    lastName: z.string().nullable().optional(),
    company: z.string().nullable().optional(),
    role: z.string().nullable().optional(),
    emails: z.array(labelledValue).optional(),
    phoneNumbers: z.array(labelledValue).optional(),
  }),
  customFields: z.array(customFieldItemSchema).optional(),
  createdByUserId: z.string().regex(/^US/, 'must start with "US"').optional(),
  source: z
    .string()
    .superRefine((s, ctx) => {
      const problem = sourceProblem(s);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `source ${problem}` });
    })
    .optional(),
  sourceUrl: z.url().min(1).max(SOURCE_URL_MAX).optional(),
  externalId: z.string().min(1).max(EXTERNAL_ID_MAX).nullable().optional(),
});

export type ContactRequest = z.infer<typeof contactRequestSchema>;
export type CustomFieldItem = z.infer<typeof customFieldItemSchema>;
