import type { Contact } from '../api/contract.js';
import { itemHash, normalEmail, normalPhone, SCALAR_FIELDS, type Base } from './base.js';

const text = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What a contact holds that neither the job wrote (its base: the job's last
 * write) nor the contact had before the job (`before`, for one it adopted or
 * updated): an agent's role, a number someone added, a custom value the
 * assistant set. A three-way sync keeps such edits and leaves the contact's
 * updatedAt its own, so only its content tells them: a delete or a restore
 * would lose them. Empty when the contact is the job's and the prior state's
 * alone. What someone removed is not listed: a delete or restore loses none of it.
 */
export function othersWork(contact: Contact, base: Base, before?: Contact): string[] {
  const out: string[] = [];
  for (const key of SCALAR_FIELDS) {
    const now = text(contact.defaultFields[key]);
    // A value the contact had before the job is no one's loss: a restore puts it back.
    const had = before === undefined ? null : text(before.defaultFields[key]);
    if (now !== null && now !== (base.f?.[key] ?? null) && now !== had) out.push(`${key} ${JSON.stringify(now)}`);
  }
  const items = [
    ['email', contact.defaultFields.emails, base.e, before?.defaultFields.emails, normalEmail],
    ['phone', contact.defaultFields.phoneNumbers, base.p, before?.defaultFields.phoneNumbers, normalPhone],
  ] as const;
  for (const [label, now, written, had, normal] of items) {
    const mine = new Set(written ?? []);
    const theirs = new Set((had ?? []).flatMap((i) => (i.value === null ? [] : [normal(i.value)])));
    for (const item of now) {
      if (item.value === null) continue;
      const n = normal(item.value);
      if (!mine.has(itemHash(n)) && !theirs.has(n)) out.push(`${label} ${item.value}`);
    }
  }
  for (const field of contact.customFields) {
    if (field.value === null || field.value === undefined) continue;
    const had = before?.customFields.find((f) => f.key === field.key)?.value;
    if (!same(field.value, base.c?.[field.key]) && !same(field.value, had))
      out.push(`${field.key} ${JSON.stringify(field.value)}`);
  }
  return out;
}
