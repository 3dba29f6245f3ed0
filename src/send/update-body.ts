import type { Contact, ContactPatch, ContactRequest, CustomFieldItem } from '../api/contract.js';
import type { Base } from '../sync/base.js';
import { threeWayBody, type SyncRules, type ThreeWay } from '../sync/three-way.js';

type Labelled = { name: string; value: string | null };

/** How two values of a kind are the same item: emails by case, phones by digits. */
const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const samePhone = (a: string, b: string) => a.replace(/[^\d+]/g, '') === b.replace(/[^\d+]/g, '');

/**
 * The PATCH that an update sends (`--on-existing update`, a changed record on
 * a rerun, an adoption): the record's fields onto a contact that exists,
 * doubling nothing whatever the API does with arrays (the contract says it
 * replaces them; the sandbox can also merge items by id).
 *
 * `arrays: 'keep'` (the default) loses nothing:
 * - names, company and role the record has overwrite; those it lacks are left out;
 * - every email, phone and custom field the contact has is sent back with its id
 *   (so a replacing API keeps them), and the record's items the contact lacks are
 *   added without an id (so a merging API adds them once);
 * - a custom field the record has takes the record's value;
 * - no createdByUserId (not in the PATCH schema), source or externalId.
 *
 * `arrays: 'source'` makes the source the only truth: the names the record
 * lacks are cleared, and the contact's emails, phones and custom fields become
 * exactly the record's (an item the record also has keeps its id; the others
 * are sent with `value: null`, which removes them under either reading).
 *
 * Built from the contact as last read: after an unknown outcome the contact is
 * read again, so an item the lost PATCH added is then sent with its new id.
 */
export function updateBody(
  existing: Contact,
  record: ContactRequest,
  arrays: 'keep' | 'source' = 'keep',
): ContactPatch {
  const df = record.defaultFields;
  const scalars: Partial<Record<'firstName' | 'lastName' | 'company' | 'role', string | null>> = {};
  for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
    const value = df[key];
    if (typeof value === 'string' && value !== '') scalars[key] = value;
    else if (arrays === 'source' && existing.defaultFields[key] !== null) scalars[key] = null;
  }
  const recordFields = new Map((record.customFields ?? []).map((f) => [f.key, f.value]));
  const others = existing.customFields.filter((f) => !recordFields.has(f.key));
  const customFields = [
    // The API returns values of the field's own type: they go back as they came.
    ...others.map((f) => ({ key: f.key, value: arrays === 'source' ? null : (f.value as CustomFieldItem['value']) })),
    ...[...recordFields].map(([key, value]) => ({ key, value })),
  ];
  return {
    defaultFields: {
      ...scalars,
      emails: mergeItems(existing.defaultFields.emails, df.emails ?? [], sameEmail, arrays),
      phoneNumbers: mergeItems(existing.defaultFields.phoneNumbers, df.phoneNumbers ?? [], samePhone, arrays),
    },
    customFields,
  };
}

function mergeItems(
  existing: readonly (Labelled & { id: string })[],
  wanted: readonly Labelled[],
  same: (a: string, b: string) => boolean,
  arrays: 'keep' | 'source',
) {
  const inRecord = (e: Labelled) => e.value !== null && wanted.some((w) => w.value !== null && same(e.value!, w.value));
  const kept = existing.map((item) => ({
    id: item.id,
    name: item.name,
    value: arrays === 'source' && !inRecord(item) ? null : item.value,
  }));
  const added = wanted.filter(
    (w) => w.value !== null && !existing.some((e) => e.value !== null && same(e.value, w.value!)),
  );
  // One value twice in the record is added once.
  const unique = added.filter((w, i) => added.findIndex((o) => same(o.value!, w.value!)) === i);
  return [...kept, ...unique.map((w) => ({ name: w.name, value: w.value }))];
}

/**
 * The PATCH a changed record's sync sends to its contact as read, and the
 * conflicts it meets: three-way from the job's last write (its base), or, for
 * a contact the job wrote no base of (a journal of an older version, a first
 * update of a contact the workspace had), the record's fields onto it. The
 * sender and the dry run's preview both ask this.
 */
export function syncBody(current: Contact, record: ContactRequest, base: Base | undefined, rules: SyncRules): ThreeWay {
  return base === undefined
    ? { body: updateBody(current, record, rules.arrays), conflicts: [] }
    : threeWayBody(current, record, base, rules);
}
