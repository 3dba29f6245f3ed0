import type { Contact, ContactPatch, CustomFieldItem } from '../api/contract.js';

type Item = { name: string; value: string | null; id: string };

/**
 * The PATCH that puts a contact back as it was before the job's first PATCH
 * (`before`, from the journal's prior event), from the contact as it is now: its names and
 * externalId as they were, its items as they were (an item still there by its
 * id, one the job's PATCH removed added again), and every item the job added
 * removed (`value: null`). Pure; the rollback sends it only to a contact nobody
 * changed since the job's last write.
 */
export function restoreBody(before: Contact, now: Contact): ContactPatch {
  const bdf = before.defaultFields;
  return {
    defaultFields: {
      firstName: bdf.firstName,
      lastName: bdf.lastName,
      company: bdf.company,
      role: bdf.role,
      emails: restoreItems(bdf.emails, now.defaultFields.emails),
      phoneNumbers: restoreItems(bdf.phoneNumbers, now.defaultFields.phoneNumbers),
    },
    customFields: [
      ...before.customFields.map((f) => ({ key: f.key, value: f.value as CustomFieldItem['value'] })),
      ...now.customFields
        .filter((f) => !before.customFields.some((b) => b.key === f.key))
        .map((f) => ({ key: f.key, value: null })),
    ],
    externalId: before.externalId,
  };
}

function restoreItems(before: readonly Item[], now: readonly Item[]) {
  const nowIds = new Set(now.map((i) => i.id));
  const beforeIds = new Set(before.map((i) => i.id));
  return [
    ...before.map((i) =>
      nowIds.has(i.id) ? { id: i.id, name: i.name, value: i.value } : { name: i.name, value: i.value },
    ),
    ...now.filter((i) => !beforeIds.has(i.id)).map((i) => ({ id: i.id, value: null })),
  ];
}
