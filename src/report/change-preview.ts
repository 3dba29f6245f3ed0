import type { Contact, ContactPatch } from '../api/contract.js';

type Item = { readonly id: string; readonly value: string | null };
const show = (v: unknown) => (v === null || v === undefined || v === '' ? '(empty)' : JSON.stringify(v));
const SCALARS = ['firstName', 'lastName', 'company', 'role'] as const;

/**
 * What a PATCH would change on a contact, field by field, as `old → new`:
 * the names, company and role it writes, the e-mails and numbers it adds (+)
 * and removes (−), and the custom values it sets. It reads the very body the
 * sync would send (send/update-body.ts `syncBody`), so the preview is the
 * sync's own decision: an agent's edit it keeps is not shown as overwritten.
 * Pure: the dry run reads the few contacts and prints this.
 */
export function describePatch(contact: Contact, patch: ContactPatch): string[] {
  const out: string[] = [];
  const df = patch.defaultFields ?? {};
  for (const key of SCALARS) {
    if (!(key in df)) continue;
    const now = contact.defaultFields[key];
    const next = df[key] ?? null;
    if ((now ?? '') !== (next ?? '')) out.push(`${key} ${show(now)} → ${show(next)}`);
  }
  out.push(...itemChanges('email', contact.defaultFields.emails, df.emails));
  out.push(...itemChanges('phone', contact.defaultFields.phoneNumbers, df.phoneNumbers));
  for (const f of patch.customFields ?? []) {
    const had = contact.customFields.find((c) => (f.key !== undefined ? c.key === f.key : c.id === f.id));
    if (JSON.stringify(had?.value ?? null) !== JSON.stringify(f.value ?? null))
      out.push(`${had?.key ?? f.key ?? f.id} ${show(had?.value)} → ${show(f.value)}`);
  }
  return out;
}

/** A PATCH's items against the contact's: new ones (no id) added, `value: null` or left out removed, a new value changed. */
function itemChanges(
  label: string,
  had: readonly Item[],
  sent: readonly { id?: string | undefined; value: string | null }[] | undefined,
): string[] {
  if (sent === undefined) return [];
  const out: string[] = [];
  const byId = new Map(had.map((h) => [h.id, h]));
  const named = new Set<string>();
  for (const item of sent) {
    if (item.id === undefined) {
      if (item.value !== null) out.push(`${label} + ${item.value}`);
      continue;
    }
    named.add(item.id);
    const was = byId.get(item.id)?.value ?? null;
    if (item.value === null && was !== null) out.push(`${label} − ${was}`);
    else if (item.value !== null && item.value !== was) out.push(`${label} ${show(was)} → ${show(item.value)}`);
  }
  // The API's PATCH empties what a sent array leaves out.
  for (const h of had) if (!named.has(h.id) && h.value !== null) out.push(`${label} − ${h.value}`);
  return out;
}
