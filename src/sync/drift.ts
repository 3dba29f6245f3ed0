import type { Contact, ContactPatch, ContactRequest, CustomFieldItem } from '../api/contract.js';
import { itemHash, normalEmail, normalPhone, SCALAR_FIELDS, type Base } from './base.js';

/** A field of a contact that is no longer as the job last wrote it. */
export interface Drift {
  readonly field: string;
  /** As the job wrote it (an item: its value from the record), and as the workspace has it now (null: empty or removed). */
  readonly base: unknown;
  readonly workspace: unknown;
}

const text = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * How a contact drifted from its base (run --verify): names, company, role and
 * custom fields the job wrote that someone changed or cleared, and e-mails or
 * phones the job wrote that are gone. What someone added where the job wrote
 * nothing (an item, a role the record has none of, an adopted contact's own
 * values) is not drift: the workspace may add, and a repair would erase it.
 * `record` is the source as it is (unchanged since the base: its values are the base's).
 */
export function driftOf(current: Contact, record: ContactRequest, base: Base): Drift[] {
  const out: Drift[] = [];
  for (const key of SCALAR_FIELDS) {
    const was = base.f?.[key] ?? null;
    const now = text(current.defaultFields[key]);
    if (was !== null && was !== now) out.push({ field: key, base: was, workspace: now });
  }
  for (const [key, was] of Object.entries(base.c ?? {})) {
    const now = current.customFields.find((f) => f.key === key)?.value ?? null;
    if (JSON.stringify(was) !== JSON.stringify(now))
      out.push({ field: `customFields.${key}`, base: was, workspace: now });
  }
  out.push(
    ...missingItems('emails', current.defaultFields.emails, record.defaultFields.emails ?? [], base.e, normalEmail),
  );
  out.push(
    ...missingItems(
      'phoneNumbers',
      current.defaultFields.phoneNumbers,
      record.defaultFields.phoneNumbers ?? [],
      base.p,
      normalPhone,
    ),
  );
  return out;
}

function missingItems(
  field: string,
  workspace: readonly { value: string | null }[],
  source: readonly { value: string | null }[],
  hashes: readonly string[] | undefined,
  normal: (v: string) => string,
): Drift[] {
  const was = new Set(hashes ?? []);
  const have = new Set(workspace.flatMap((w) => (w.value === null ? [] : [normal(w.value)])));
  return source.flatMap((s) =>
    s.value !== null && was.has(itemHash(normal(s.value))) && !have.has(normal(s.value))
      ? [{ field, base: s.value, workspace: null }]
      : [],
  );
}

/**
 * The PATCH that writes a drifted contact back to its base (update.conflicts
 * "source"): each drifted field as the record has it, each item the job wrote
 * and someone removed added again; what someone added stays. Pure.
 */
export function driftRepairBody(current: Contact, record: ContactRequest, drift: readonly Drift[]): ContactPatch {
  const df = record.defaultFields;
  const fields = new Set(drift.map((d) => d.field));
  const scalars: NonNullable<ContactPatch['defaultFields']> = {};
  for (const key of SCALAR_FIELDS) if (fields.has(key)) scalars[key] = text(df[key]);
  const recordCustom = new Map((record.customFields ?? []).map((f) => [f.key, f.value]));
  const customFields = current.customFields.map((f) => ({
    key: f.key,
    value: fields.has(`customFields.${f.key}`)
      ? (recordCustom.get(f.key) ?? null)
      : (f.value as CustomFieldItem['value']),
  }));
  for (const [key, value] of recordCustom)
    if (fields.has(`customFields.${key}`) && !current.customFields.some((f) => f.key === key))
      customFields.push({ key, value });
  const readd = (kind: 'emails' | 'phoneNumbers') =>
    (df[kind] ?? [])
      .filter((s) => drift.some((d) => d.field === kind && d.base === s.value))
      .map((s) => ({ name: s.name, value: s.value }));
  return {
    defaultFields: {
      ...scalars,
      emails: [
        ...current.defaultFields.emails.map((e) => ({ id: e.id, name: e.name, value: e.value })),
        ...readd('emails'),
      ],
      phoneNumbers: [
        ...current.defaultFields.phoneNumbers.map((p) => ({ id: p.id, name: p.name, value: p.value })),
        ...readd('phoneNumbers'),
      ],
    },
    customFields,
  };
}
