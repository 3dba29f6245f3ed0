import { z } from 'zod';

/**
 * The request body of POST /v1/contacts, as far as the contract
 * (docs/openphone-contacts-api.md) documents it. The importer checks every
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
  if (source.length < 1 || source.length > SOURCE_MAX)
    return `is ${source.length} characters long; a source is 1 to ${SOURCE_MAX}`;
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

/** What the contract refuses in a POST body, one line per issue; empty when it accepts it. */
export function contactRequestProblems(body: unknown): string[] {
  const checked = contactRequestSchema.safeParse(body);
  return checked.success
    ? []
    : checked.error.issues.map((issue) => `request body ${issue.path.join('.')}: ${issue.message}`);
}

/** The most externalIds one GET /v1/contacts may carry: the live query parser turns 21 or more repeated keys into an object and answers 400. */
export const LOOKUP_MAX_IDS = 20;
/** The source the API gives a contact created without one. */
export const DEFAULT_SOURCE = 'public-api';
/** The source a body gives its contact: half of the contact's identity (source + externalId). */
export const sourceOf = (body: { readonly source?: string | undefined }): string => body.source ?? DEFAULT_SOURCE;

/** maxResults of GET /v1/contacts: 1 to 50. */
export const LIST_MAX_RESULTS = 50;
export const PATCH_SOURCE_MAX = 75;

/** An email or phone item of a PATCH: `id` names an item the contact has; `value: null` removes it. */
const patchLabelledValue = z
  .strictObject({ id: z.string().min(1).optional(), name: z.string().optional(), value: z.string().nullable() })
  .refine((item) => item.id !== undefined || item.name !== undefined, {
    message: 'an item without an id needs a name',
  });

const patchCustomFieldItem = z
  .strictObject({
    key: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    value: customFieldItemSchema.shape.value,
  })
  .refine((item) => item.key !== undefined || item.id !== undefined, {
    message: 'a custom field item needs a key or an id',
  });

/**
 * The body of PATCH /v1/contacts/{id}: every field optional, and no
 * `createdByUserId` (it is not in the PATCH schema: the strict object refuses it).
 */
export const contactPatchSchema = z.strictObject({
  defaultFields: z
    .strictObject({
      firstName: z.string().nullable().optional(),
      lastName: z.string().nullable().optional(),
      company: z.string().nullable().optional(),
      role: z.string().nullable().optional(),
      emails: z.array(patchLabelledValue).optional(),
      phoneNumbers: z.array(patchLabelledValue).optional(),
    })
    .optional(),
  customFields: z.array(patchCustomFieldItem).optional(),
  source: z.string().min(1).max(PATCH_SOURCE_MAX).nullable().optional(),
  sourceUrl: z.url().min(1).max(SOURCE_URL_MAX).nullable().optional(),
  externalId: z.string().min(1).max(EXTERNAL_ID_MAX).nullable().optional(),
});

export type ContactPatch = z.infer<typeof contactPatchSchema>;

/** A workspace member as GET /v1/users lists it. */
export interface User {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  role: string | null;
}

/** The most users one page of GET /v1/users holds. */
export const USERS_MAX_RESULTS = 50;

/** A contact as the API returns it (every key always present). */
export interface Contact {
  id: string;
  externalId: string | null;
  source: string;
  sourceUrl: string | null;
  createdAt: string;
  updatedAt: string;
  createdByUserId: string;
  defaultFields: {
    firstName: string | null;
    lastName: string | null;
    company: string | null;
    role: string | null;
    emails: { name: string; value: string | null; id: string }[];
    phoneNumbers: { name: string; value: string | null; id: string }[];
  };
  customFields: { name: string; key: string; id: string; type: string; value: unknown }[];
}

const contactItem = z.object({ name: z.string(), value: z.string().nullable(), id: z.string() });

/**
 * A contact as the API returns it, checked: what a gateway or proxy answers
 * with a 200 (an HTML page, a JSON of another shape) is told apart from a
 * contact instead of failing later as a bug. Keys beyond these are allowed:
 * the API may add fields.
 */
export const contactSchema = z.object({
  id: z.string().min(1),
  externalId: z.string().nullable(),
  source: z.string(),
  sourceUrl: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdByUserId: z.string(),
  defaultFields: z.object({
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    company: z.string().nullable(),
    role: z.string().nullable(),
    emails: z.array(contactItem),
    phoneNumbers: z.array(contactItem),
  }),
  customFields: z.array(
    z.object({ name: z.string(), key: z.string(), id: z.string(), type: z.string(), value: z.unknown() }),
  ),
});

/** The contact of a `{ "data": contact }` answer (GET, POST, PATCH of one contact), or undefined when the body is not one. */
export function contactInBody(body: unknown): Contact | undefined {
  const parsed = z.object({ data: contactSchema }).safeParse(body);
  return parsed.success ? (parsed.data.data as Contact) : undefined;
}

/** What is said of an answer whose body is not a contact: it came from something other than the API. */
export const NOT_A_CONTACT =
  'the answer (status 2xx) is not a contact: something between this machine and the API (a proxy, a gateway) answered instead';
