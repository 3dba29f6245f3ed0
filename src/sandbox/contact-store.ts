import type { ContactRequest } from '../api/contract.js';
import type { CustomFieldDefinition } from './custom-fields.js';

export interface Contact {
  id: string;
  externalId: string | null;
  source: string;
  sourceUrl: string | null;
  createdAt: string;
  updatedAt: string;
  createdByUserId: string;
  defaultFields: {
    firstName: string | null;
    lastName: string | null;
    company: string | null;
    role: string | null;
    emails: { name: string; value: string | null; id: string }[];
    phoneNumbers: { name: string; value: string | null; id: string }[];
  };
  customFields: { name: string; key: string; id: string; type: string; value: unknown }[];
}

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
    const contact: Contact = {
      id: this.nextId('CT'),
      externalId: body.externalId ?? null,
      source: body.source ?? 'public-api',
      sourceUrl: body.sourceUrl ?? null,
      createdAt: at,
      updatedAt: at,
      createdByUserId: body.createdByUserId ?? this.defaultUserId,
      defaultFields: { firstName: null, lastName: null, company: null, role: null, emails: [], phoneNumbers: [] },
      customFields: [],
    };
    this.apply(contact, body);
    this.byId.set(contact.id, contact);
    this.index(contact);
    return contact;
  }

  update(id: string, body: Partial<ContactRequest>, now: Date): Contact | undefined {
    const contact = this.byId.get(id);
    if (contact === undefined) return undefined;
    this.unindex(contact);
    if (body.externalId !== undefined) contact.externalId = body.externalId;
    if (body.source !== undefined) contact.source = body.source;
    if (body.sourceUrl !== undefined) contact.sourceUrl = body.sourceUrl;
    this.apply(contact, body);
    contact.updatedAt = now.toISOString();
    this.index(contact);
    return contact;
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

  private apply(contact: Contact, body: Partial<ContactRequest>): void {
    const df = body.defaultFields;
    if (df !== undefined) {
      for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
        if (df[key] !== undefined) contact.defaultFields[key] = df[key] ?? null;
      }
      if (df.emails !== undefined) contact.defaultFields.emails = df.emails.map((e) => ({ ...e, id: this.nextId('EM') }));
      if (df.phoneNumbers !== undefined) contact.defaultFields.phoneNumbers = df.phoneNumbers.map((p) => ({ ...p, id: this.nextId('PN') }));
    }
    if (body.customFields !== undefined) {
      const defs = new Map(this.definitions.map((d) => [d.key, d]));
      contact.customFields = body.customFields.map((f) => {
        const def = defs.get(f.key)!;
        return { name: def.name, key: def.key, id: this.nextId('CF'), type: def.type, value: f.value };
      });
    }
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
