import { DEFAULT_SOURCE, type Contact, type ContactPatch, type ContactRequest } from '../api/contract.js';
import type { CustomFieldDefinition } from './custom-fields.js';

/**
 * How PATCH treats arrays (emails, phoneNumbers, customFields). The contract
 * leaves it unknown, so the sandbox can play either reading:
 * - 'replace': a sent array becomes the contact's array (items with an `id` keep it),
 *   and an array left out is emptied (one production user's report);
 * - 'merge': items with an `id` change that item, items without one are added,
 *   and an array left out is kept.
 * In both, an item sent with `value: null` is removed.
 */
export type PatchArrays = 'replace' | 'merge';

/** A PATCH that names an item the contact does not have. */
export class UnknownItemError extends Error {
  constructor(
    readonly path: string,
    readonly itemId: string,
  ) {
    super(`${path}: no item with id "${itemId}" on this contact`);
  }
}

type Item = { name: string; value: string | null; id: string };
type PatchItem = { id?: string | undefined; name?: string | undefined; value: string | null };

/** The workspace's contacts, in creation order, with an index by externalId. */
export class ContactStore {
  private readonly byId = new Map<string, Contact>();
  private readonly byExternalId = new Map<string, Set<string>>();
  private counter = 0;

  constructor(
    private readonly definitions: readonly CustomFieldDefinition[],
    private readonly defaultUserId = 'USsandbox0001',
  ) {}

  private nextId(prefix: string): string {
    this.counter++;
    return `${prefix}${this.counter.toString(16).padStart(22, '0')}`;
  }

  create(body: ContactRequest, now: Date): Contact {
    const at = now.toISOString();
    const df = body.defaultFields;
    const contact: Contact = {
      id: this.nextId('CT'),
      externalId: body.externalId ?? null,
      source: body.source ?? DEFAULT_SOURCE,
      sourceUrl: body.sourceUrl ?? null,
      createdAt: at,
      updatedAt: at,
      createdByUserId: body.createdByUserId ?? this.defaultUserId,
      defaultFields: {
        firstName: df.firstName ?? null,
        lastName: df.lastName ?? null,
        company: df.company ?? null,
        role: df.role ?? null,
        emails: (df.emails ?? []).map((e) => ({ ...e, id: this.nextId('EM') })),
        phoneNumbers: (df.phoneNumbers ?? []).map((p) => ({ ...p, id: this.nextId('PN') })),
      },
      customFields: (body.customFields ?? []).map((f) => this.customField(f.key, f.value)),
    };
    this.byId.set(contact.id, contact);
    this.index(contact);
    return contact;
  }

  /** Applies a checked PATCH body; throws UnknownItemError (nothing changed) for an item id the contact lacks. */
  update(id: string, body: ContactPatch, now: Date, arrays: PatchArrays): Contact | undefined {
    const contact = this.byId.get(id);
    if (contact === undefined) return undefined;
    const df = body.defaultFields ?? {};
    // Computed first, so that a bad item id leaves the contact as it was.
    const emails = this.patchItems('/defaultFields/emails', contact.defaultFields.emails, df.emails, arrays, 'EM');
    const phoneNumbers = this.patchItems(
      '/defaultFields/phoneNumbers',
      contact.defaultFields.phoneNumbers,
      df.phoneNumbers,
      arrays,
      'PN',
    );
    const customFields = this.patchCustomFields(contact.customFields, body.customFields, arrays);
    this.unindex(contact);
    if (body.externalId !== undefined) contact.externalId = body.externalId;
    if (body.source !== undefined) contact.source = body.source ?? DEFAULT_SOURCE;
    if (body.sourceUrl !== undefined) contact.sourceUrl = body.sourceUrl;
    for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
      if (df[key] !== undefined) contact.defaultFields[key] = df[key] ?? null;
    }
    contact.defaultFields.emails = emails;
    contact.defaultFields.phoneNumbers = phoneNumbers;
    contact.customFields = customFields;
    contact.updatedAt = now.toISOString();
    this.index(contact);
    return contact;
  }

  private patchItems(
    path: string,
    current: Item[],
    sent: readonly PatchItem[] | undefined,
    arrays: PatchArrays,
    prefix: string,
  ): Item[] {
    if (sent === undefined) return arrays === 'replace' ? [] : current;
    const byId = new Map(current.map((item) => [item.id, item]));
    const out: Item[] = arrays === 'merge' ? current.map((item) => ({ ...item })) : [];
    sent.forEach((item, i) => {
      if (item.id !== undefined) {
        const had = byId.get(item.id);
        if (had === undefined) throw new UnknownItemError(`${path}/${i}/id`, item.id);
        const at = out.findIndex((o) => o.id === item.id);
        if (item.value === null) {
          if (at >= 0) out.splice(at, 1);
          return;
        }
        const next = { name: item.name ?? had.name, value: item.value, id: item.id };
        if (at >= 0) out[at] = next;
        else out.push(next);
        return;
      }
      if (item.value !== null) out.push({ name: item.name ?? '', value: item.value, id: this.nextId(prefix) });
    });
    return out;
  }

  private patchCustomFields(
    current: Contact['customFields'],
    sent: ContactPatch['customFields'],
    arrays: PatchArrays,
  ): Contact['customFields'] {
    if (sent === undefined) return arrays === 'replace' ? [] : current;
    const out = arrays === 'merge' ? current.map((f) => ({ ...f })) : [];
    sent.forEach((item, i) => {
      const key = item.key ?? current.find((f) => f.id === item.id)?.key;
      if (key === undefined) throw new UnknownItemError(`/customFields/${i}/id`, item.id ?? '');
      const at = out.findIndex((f) => f.key === key);
      if (at >= 0) out.splice(at, 1);
      if (item.value !== null) out.push(this.customField(key, item.value));
    });
    return out;
  }

  private customField(key: string, value: unknown): Contact['customFields'][number] {
    const def = this.definitions.find((d) => d.key === key)!;
    return { name: def.name, key: def.key, id: this.nextId('CF'), type: def.type, value };
  }

  delete(id: string): boolean {
    const contact = this.byId.get(id);
    if (contact === undefined) return false;
    this.unindex(contact);
    return this.byId.delete(id);
  }

  get(id: string): Contact | undefined {
    return this.byId.get(id);
  }

  withExternalId(externalId: string): Contact[] {
    return [...(this.byExternalId.get(externalId) ?? [])].map((id) => this.byId.get(id)!);
  }

  all(): Contact[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  /** externalIds held by more than one contact. */
  duplicates(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [ext, ids] of this.byExternalId) if (ids.size > 1) out.set(ext, ids.size);
    return out;
  }

  private index(contact: Contact): void {
    if (contact.externalId === null) return;
    let ids = this.byExternalId.get(contact.externalId);
    if (ids === undefined) {
      ids = new Set();
      this.byExternalId.set(contact.externalId, ids);
    }
    ids.add(contact.id);
  }

  private unindex(contact: Contact): void {
    if (contact.externalId !== null) this.byExternalId.get(contact.externalId)?.delete(contact.id);
  }
}
