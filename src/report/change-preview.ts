import type { Contact, ContactRequest } from '../api/contract.js';

type Items = readonly { readonly value: string | null }[] | undefined;
const show = (v: unknown) => (v === null || v === undefined || v === '' ? '(empty)' : JSON.stringify(v));
const values = (items: Items) => new Set((items ?? []).map((i) => i.value).filter((v): v is string => v !== null));

/**
 * What a sync would change on a contact, field by field, as `old → new`: the
 * names, company and role, the e-mails and numbers the record adds (those it
 * lacks stay, unless update.arrays is "source"), and the custom fields it
 * sets. Pure: the dry run reads the few contacts and prints this.
 */
export function describeChange(contact: Contact, record: ContactRequest, arrays: 'keep' | 'source'): string[] {
  const out: string[] = [];
  const df = record.defaultFields;
  for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
    const now = contact.defaultFields[key];
    const next = df[key] ?? null;
    if ((next === null || next === '') && arrays === 'keep') continue;
    if ((now ?? '') !== (next ?? '')) out.push(`${key} ${show(now)} → ${show(next)}`);
  }
  for (const [label, had, wanted] of [
    ['email', values(contact.defaultFields.emails), values(df.emails)],
    ['phone', values(contact.defaultFields.phoneNumbers), values(df.phoneNumbers)],
  ] as const) {
    for (const v of wanted) if (![...had].some((h) => h.toLowerCase() === v.toLowerCase())) out.push(`${label} + ${v}`);
    if (arrays === 'source')
      for (const v of had)
        if (![...wanted].some((w) => w.toLowerCase() === v.toLowerCase())) out.push(`${label} − ${v}`);
  }
  for (const f of record.customFields ?? []) {
    const now = contact.customFields.find((c) => c.key === f.key)?.value;
    if (JSON.stringify(now ?? null) !== JSON.stringify(f.value ?? null))
      out.push(`${f.key} ${show(now)} → ${show(f.value)}`);
  }
  return out;
}
