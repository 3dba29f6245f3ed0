import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { CUSTOM_FIELD_TYPES, type User } from '../api/contract.js';
import { sandboxUser } from './users.js';
import { UsageError } from '../errors.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import { loadExistingContacts } from './existing-contacts.js';
import { parseFaultSpec } from './faults.js';
import type { SandboxOptions } from './options.js';

/** "20-80" → [20, 80]; "50" → [50, 50]. */
export function parseLatency(spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m)
    throw new UsageError(
      'LATENCY_INVALID',
      `--latency: found ${JSON.stringify(spec)}: expected milliseconds as MIN-MAX, or one number`,
      { hint: 'e.g. --latency 20-80, or --latency 50' },
    );
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < min)
    throw new UsageError(
      'LATENCY_INVALID',
      `--latency: found ${JSON.stringify(spec)}: the maximum is below the minimum`,
      { hint: 'write the smaller number first, e.g. 20-80' },
    );
  return [min, max];
}

const definitionsSchema = z.array(
  z.strictObject({ name: z.string().min(1), key: z.string().min(1), type: z.enum(CUSTOM_FIELD_TYPES) }),
);

export function loadCustomFieldDefinitions(file: string): CustomFieldDefinition[] {
  return readJsonFlagFile('--custom-fields', file, definitionsSchema, {
    unreadable: 'CUSTOM_FIELDS_UNREADABLE',
    invalid: 'CUSTOM_FIELDS_INVALID',
    expected: `a list of { "name", "key", "type" } with type one of ${CUSTOM_FIELD_TYPES.join(', ')}`,
    example: '[{ "name": "VIP", "key": "vip", "type": "boolean" }]',
  });
}

/** A flag's JSON file, read and checked against its schema: the first problem names its place in the file, and the hint shows the shape. */
function readJsonFlagFile<T>(
  flag: string,
  file: string,
  schema: z.ZodType<T>,
  o: { unreadable: string; invalid: string; expected: string; example: string },
): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(o.unreadable, `${flag} ${file}: cannot be read as JSON: ${(err as Error).message}`, {
      hint: `check the ${flag} path, and that the file is JSON such as ${o.example}`,
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new UsageError(
      o.invalid,
      `${flag} ${file}: [${first.path.join('.')}] ${first.message}; expected ${o.expected}`,
      { hint: `write it as e.g. ${o.example}` },
    );
  }
  return parsed.data;
}

export interface SandboxCliArgs {
  port: number;
  host: string;
  rate: number;
  latency?: string;
  seed: number;
  faults?: string;
  /** Strings as typed: yargs would read 409 as a number, which its choices then refuse. */
  uniqueExternalId: string;
  patchArrays: string;
  users?: string;
  createDelay?: number;
  customFields?: string;
  retryAfter?: number;
  existing?: string;
  apiKey?: string;
  dateOffset?: number;
  dateHeader?: boolean;
}

export function sandboxOptionsFromCli(a: SandboxCliArgs): SandboxOptions {
  return {
    port: a.port,
    host: a.host,
    rate: a.rate,
    seed: a.seed,
    uniqueExternalId: oneOf('--unique-external-id', a.uniqueExternalId, ['409', 'per-source', 'off'] as const),
    patchArrays: oneOf('--patch-arrays', a.patchArrays, ['replace', 'merge'] as const),
    ...(a.users !== undefined && { users: parseUsers(a.users) }),
    ...(a.createDelay !== undefined && { createDelayMs: a.createDelay }),
    ...(a.latency !== undefined && { latencyMs: parseLatency(a.latency) }),
    ...(a.faults !== undefined && { faults: parseFaultSpec(a.faults) }),
    ...(a.customFields !== undefined && { customFields: loadCustomFieldDefinitions(a.customFields) }),
    ...(a.retryAfter !== undefined && { retryAfterSeconds: a.retryAfter }),
    ...(a.existing !== undefined && { existing: loadExistingContacts(a.existing) }),
    ...(a.apiKey !== undefined && { apiKeys: [a.apiKey] }),
    ...((a.dateHeader === false || a.dateOffset !== undefined) && {
      dateHeader: a.dateHeader === false ? ('none' as const) : { offsetMs: a.dateOffset! * 1000 },
    }),
  };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    'SANDBOX_OPTION_INVALID',
    `${flag}: found ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`,
    { hint: `e.g. ${flag} ${allowed[0]}` },
  );
}

/**
 * --users: "US1,US2" (ids; each gets a made-up e-mail and name), or a JSON file
 * of users as GET /v1/users lists them ({ id, email, firstName, lastName, role }).
 */
export function parseUsers(spec: string): User[] {
  if (spec.trim().endsWith('.json') || existsSync(spec)) return readUsersFile(spec);
  const ids = spec
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const bad = ids.find((u) => !u.startsWith('US'));
  if (ids.length === 0 || bad !== undefined)
    throw new UsageError(
      'SANDBOX_OPTION_INVALID',
      `--users: found ${JSON.stringify(bad ?? spec)}: expected comma-separated user ids starting with "US", or a JSON file of users`,
      { hint: 'e.g. --users US1a2b,US3c4d, or --users users.json' },
    );
  return ids.map(sandboxUser);
}

const userSchema = z.strictObject({
  id: z.string().regex(/^US/, 'a user id starts with "US"'),
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  role: z.string().nullable().optional(),
});

function readUsersFile(file: string): User[] {
  const users = readJsonFlagFile('--users', file, z.array(userSchema).min(1), {
    unreadable: 'SANDBOX_OPTION_INVALID',
    invalid: 'SANDBOX_OPTION_INVALID',
    expected: 'a list of { "id", "email", "firstName", "lastName", "role" }',
    example:
      '[{ "id": "US1a2b", "email": "sam@acme.example", "firstName": "Sam", "lastName": "Smith", "role": "member" }]',
  });
  return users.map((u) => ({ ...u, role: u.role ?? null }));
}
