import { createHash } from 'node:crypto';
import type { ContactRequest } from '../api/contract.js';

export const SCALAR_FIELDS = ['firstName', 'lastName', 'company', 'role'] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];

/**
 * What the job last wrote to a record's contact: the base of a three-way sync
 * (send/three-way.ts). Names, company, role and custom values as written (short,
 * and a conflict shows them); e-mails and phones as hashes of their normalised
 * values (enough to tell an item the job wrote from one someone added). Kept
 * in the journal line of the write; replay keeps only where that line is.
 */
export interface Base {
  readonly f?: Partial<Record<ScalarField, string>>;
  readonly c?: Readonly<Record<string, unknown>>;
  readonly e?: readonly string[];
  readonly p?: readonly string[];
}

/** E-mails are the same whatever their case; phones whatever their punctuation. */
export const normalEmail = (value: string): string => value.trim().toLowerCase();
export const normalPhone = (value: string): string => value.replace(/[^\d+]/g, '');

/** 8 characters of a value's hash: a handful of items per contact never collide in practice. */
export const itemHash = (normalised: string): string =>
  createHash('sha256').update(normalised).digest('base64url').slice(0, 8);

/** The base a write of this body leaves: what the next sync compares the source and the workspace with. */
export function baseOf(body: ContactRequest): Base {
  const df = body.defaultFields;
  const f: Partial<Record<ScalarField, string>> = {};
  for (const key of SCALAR_FIELDS) {
    const value = df[key];
    if (typeof value === 'string' && value !== '') f[key] = value;
  }
  const c = Object.fromEntries((body.customFields ?? []).filter((x) => x.value !== null).map((x) => [x.key, x.value]));
  const e = (df.emails ?? []).flatMap((x) => (x.value === null ? [] : [itemHash(normalEmail(x.value))]));
  const p = (df.phoneNumbers ?? []).flatMap((x) => (x.value === null ? [] : [itemHash(normalPhone(x.value))]));
  return {
    ...(Object.keys(f).length > 0 && { f }),
    ...(Object.keys(c).length > 0 && { c }),
    ...(e.length > 0 && { e }),
    ...(p.length > 0 && { p }),
  };
}
