import { z } from 'zod';
import { SOURCE_URL_MAX, sourceProblem } from '../api/contract.js';

/**
 * The mapping config, checked strictly: unknown keys are errors (with the
 * nearest valid key suggested by the loader). Its shape mirrors the API's
 * request body so a reader of the API docs recognises it. Pure data: no
 * transforms here, so the same schema also generates config.schema.json.
 */

const columnName = z.string().min(1, 'a column name must not be empty');

/** A bare string is shorthand for { "column": "..." }. */
export const columnRef = z.union([columnName, z.strictObject({ column: columnName })]);

/** How a sync writes a mapped field the source changed (send/three-way.ts). */
export const UPDATE_MODES = ['always', 'ifEmpty', 'never'] as const;
const updateMode = z
  .enum(UPDATE_MODES)
  .describe(
    'When a rerun writes this field: "always" (default) what the source changed since the job last wrote it; "ifEmpty" only where the workspace has no value; "never" on create only',
  );

/** A name, company or role: a column, or { column, update }. */
const fieldRef = z.union([columnName, z.strictObject({ column: columnName, update: updateMode.optional() })]);

/** `{Column Name}` placeholders; `{{` and `}}` stand for literal braces. */
const templateRef = z.strictObject({
  template: z.string().min(1).describe('Text with {Column Name} placeholders, e.g. "hubspot-{Record ID}"'),
  allowEmpty: z
    .boolean()
    .optional()
    .describe(
      'An empty column contributes nothing instead of failing the record (at least one must be filled), and an id longer than 75 characters keeps its start and ends with a hash of the whole: for ids built from names and emails',
    ),
  split: z
    .literal(false)
    .optional()
    .describe(
      'false: the template reads its columns\' cells whole, whatever "split" their mappings have (by default a split column gives the id its first value). Lets a job split e-mails or phones without changing the ids it gave its records',
    ),
});

/** source and sourceUrl as templates over columns, in the externalId's form. */
const textTemplate = z.strictObject({ template: z.string().min(1).describe('Text with {Column Name} placeholders') });

const splitSeparator = z.string().min(1).describe('Split one cell into several values at this separator');

const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'expected a two-letter ISO 3166 country code in capitals, such as "US" or "GB"');

const labelledColumn = z.strictObject({
  name: z.string().min(1).describe('The label OpenPhone shows, e.g. "work" or "mobile"'),
  nameColumn: columnName
    .optional()
    .describe(
      'A column holding each record\'s own label for this value (Google\'s "Phone 1 - Label"): used when filled, else "name"',
    ),
  column: columnName,
  split: splitSeparator.optional(),
  update: updateMode.optional(),
});

const phoneColumn = labelledColumn.extend({
  defaultCountry: countryCode.optional().describe('Country for numbers written without +country code'),
});

const booleanWords = z.array(z.string().min(1)).min(1);

const customFieldBase = { key: z.string().min(1), column: columnName, update: updateMode.optional() };

const customField = z.discriminatedUnion('type', [
  z.strictObject({ ...customFieldBase, type: z.enum(['string', 'address']) }),
  z.strictObject({ ...customFieldBase, type: z.literal('url') }),
  z.strictObject({
    ...customFieldBase,
    type: z.literal('boolean'),
    trueValues: booleanWords.optional().describe('Cell values read as true (any case); default true, yes, y, 1'),
    falseValues: booleanWords.optional().describe('Cell values read as false (any case); default false, no, n, 0'),
  }),
  z.strictObject({
    ...customFieldBase,
    type: z.literal('number'),
    decimalSeparator: z.enum(['.', ',']).optional().describe('Default "."'),
  }),
  z.strictObject({
    ...customFieldBase,
    type: z.literal('date'),
    format: z.string().min(1).optional().describe('Luxon format of the cell, e.g. "MM/dd/yyyy"; default ISO 8601'),
    timezone: z.string().min(1).optional().describe('IANA zone the dates are in, e.g. "America/New_York"; default UTC'),
  }),
  z.strictObject({ ...customFieldBase, type: z.literal('multi-select'), split: splitSeparator.optional() }),
]);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  externalId: z
    .union([columnRef, templateRef])
    .describe('The column (or template) that identifies each record: the resume key'),
  source: z
    .union([
      z.string().superRefine((s, ctx) => {
        const problem = sourceProblem(s);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `this source ${problem}` });
      }),
      textTemplate,
    ])
    .optional(),
  sourceUrl: z
    .union([z.url().max(SOURCE_URL_MAX), textTemplate])
    .optional()
    .describe(
      'A link back to the record in the source system: one URL, or a template over columns, e.g. { "template": "https://acme.my.salesforce.com/{Contact ID}" }',
    ),
  owner: z
    .strictObject({
      column: columnName.describe(
        'A column of owner e-mails (or full names, where they are unique): "Contact owner", "Person - Owner"',
      ),
      unknown: z
        .enum(['default', 'fail'])
        .optional()
        .describe(
          'An owner that matches no workspace user: "default" (default) falls back to createdByUserId, or none; "fail" fails the record',
        ),
    })
    .optional()
    .describe(
      "Each record's owner in the source system as its createdByUserId, matched to the workspace's users (GET /v1/users) by e-mail or full name",
    ),
  createdByUserId: z.string().regex(/^US/, 'expected a user id starting with "US"').optional(),
  defaultFields: z.strictObject({
    firstName: fieldRef.optional(),
    lastName: fieldRef.optional(),
    company: fieldRef.optional(),
    role: fieldRef.optional(),
    emails: z.array(labelledColumn).optional(),
    phoneNumbers: z.array(phoneColumn).optional(),
  }),
  customFields: z.array(customField).optional(),
  phone: z
    .strictObject({
      defaultCountry: countryCode.optional(),
      countryColumn: columnName
        .optional()
        .describe(
          'A column naming each record\'s country ("US", "USA", "United States", "Deutschland", "France"…): its numbers without +country code are read in that country',
        ),
    })
    .optional(),
  requirePhone: z
    .boolean()
    .optional()
    .describe(
      'A record with no phone number fails (PHONE_MISSING) instead of becoming a contact OpenPhone cannot call or text; the same as --require-phone',
    ),
  invalidValues: z
    .enum(['drop', 'fail'])
    .optional()
    .describe(
      'A bad email, phone or custom-field value: drop it and import the rest of the contact, reporting it in dropped-values.csv (default), or fail the whole record',
    ),
  update: z
    .strictObject({
      arrays: z
        .enum(['keep', 'source'])
        .optional()
        .describe(
          'When a changed record updates its contact: "keep" (default) keeps the emails, phones and custom fields the contact got in the app and adds the record\'s; "source" makes the contact\'s items exactly the record\'s',
        ),
      conflicts: z
        .enum(['workspace', 'source'])
        .optional()
        .describe(
          'A field both the source and someone in the workspace changed since the job last wrote it: "workspace" (default) keeps the workspace\'s edit, "source" writes the source\'s; either way it is listed in conflicts.csv',
        ),
    })
    .optional()
    .describe('How a rerun brings a changed record to its contact'),
  matchExisting: z
    .array(z.enum(['phone', 'email']))
    .optional()
    .describe(
      'Adopt contacts the workspace already has (made in the app, by its CSV import) by E.164 phone and/or e-mail, instead of creating a second one; the same as --match-existing. [] matches nothing and creates every record anew (a first run into a workspace with such contacts needs a choice)',
    ),
  csv: z
    .strictObject({
      delimiter: z
        .string()
        .length(1, 'expected a single character such as "," ";" "\\t" or "|"')
        .refine(
          (d) => !['"', '\n', '\r'].includes(d),
          'a quote or a line break cannot separate fields: expected a character such as "," ";" "\\t" or "|"',
        )
        .optional()
        .describe('Detected from the header line when left out'),
      encoding: z.string().min(1).optional().describe('Default utf-8 (a BOM is honoured); e.g. windows-1252, latin1'),
      headerLine: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .describe(
          'The line the header is on, when lines of notes come before it (LinkedIn\'s "Notes:"); in a workbook, its row; default 1',
        ),
      sheet: z
        .union([z.string().min(1), z.number().int().min(1)])
        .optional()
        .describe(
          'An Excel workbook (.xlsx): the sheet the contacts are on, by name or by number (1 = the first); default the first',
        ),
    })
    .optional(),
  api: z
    .strictObject({
      baseUrl: z.url().optional(),
      requestsPerSecond: z.number().positive().max(1000).optional(),
      concurrency: z.number().int().min(1).max(256).optional(),
      // Past 10 minutes a request is lost, not slow; and a timer cannot hold much more than 24 days at all.
      timeoutMs: z.number().int().min(100).max(600_000).optional(),
      retry: z
        .strictObject({
          attempts: z.number().int().min(1).max(50).optional(),
          baseDelayMs: z.number().int().min(1).max(600_000).optional(),
          maxDelayMs: z.number().int().min(1).max(600_000).optional(),
        })
        .optional(),
    })
    .optional(),
  proposedByInit: z
    .array(z.string())
    .optional()
    .describe(
      'The columns init has proposed a mapping for: init --update does not propose them again, so a mapping you removed stays removed. Remove a name here to have its column proposed again. A run does not read it',
    ),
});

export type Config = z.infer<typeof configSchema>;
export type CustomFieldConfig = z.infer<typeof customField>;
