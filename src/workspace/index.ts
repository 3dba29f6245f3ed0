import { sourceOf, type Contact } from '../api/contract.js';
import type { MatchKey } from '../config/resolved.js';
import type { CountryCode } from '../phone/phone-metadata.js';
import { toE164 } from '../mapping/transforms/phone.js';
import type { ValidRecord } from '../classify/classify.js';
import { displayName, sameName } from './same-person.js';

/** What the index keeps of a contact: enough to name it in review.csv, to tell whether it is the record's person, and to read it again before adopting it. */
export interface IndexedContact {
  readonly id: string;
  readonly externalId: string | null;
  readonly name: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** A contact with no person's name is known by its company (a company's main line). */
  readonly company?: string | null;
  /** The source of a contact holding an externalId (another integration's name, or the job's). */
  readonly source?: string;
}

const nameOf = (c: Contact) =>
  [c.defaultFields.firstName, c.defaultFields.lastName].filter((n) => n).join(' ') ||
  c.defaultFields.company ||
  '(no name)';

/**
 * What the index says of a new record's phones and e-mails: nothing, one
 * contact it may adopt, or contacts a person must decide on.
 */
export type Match =
  | { readonly kind: 'none' }
  | { readonly kind: 'adopt'; readonly contact: IndexedContact }
  /** Another integration's contact holds the record's externalId: the same CRM record, never the job's. */
  | { readonly kind: 'heldElsewhere'; readonly contact: IndexedContact }
  /** A contact of the job's own source holds it, which the job did not make (the journal does not know the record): another job's. */
  | { readonly kind: 'ofJobSource'; readonly contact: IndexedContact }
  | { readonly kind: 'review'; readonly candidates: readonly IndexedContact[]; readonly why: string };

/** A workspace number as E.164 where it reads as one (the app and its CSV import keep numbers as typed). */
export function phoneKey(value: string, country: CountryCode | undefined): string | undefined {
  const e164 = toE164(value, country);
  return e164.kind === 'ok' ? e164.value : undefined;
}

export const emailKey = (value: string): string => value.trim().toLowerCase();

/**
 * The workspace's contacts, indexed by E.164 number and lower-cased e-mail,
 * to adopt a contact the workspace already has instead of making a second one.
 * A record may adopt a contact only when its numbers and e-mails lead to
 * exactly one contact, that contact has no externalId (another source's
 * contact is not the job's to take), and no earlier record took it; anything
 * else is for a person to decide (review.csv).
 */
export class WorkspaceIndex {
  private readonly byPhone = new Map<string, IndexedContact[]>();
  private readonly byEmail = new Map<string, IndexedContact[]>();
  private readonly byExternalId = new Map<string, IndexedContact>();
  /** Contact id → the line of the record that took it in this run. */
  private readonly taken = new Map<string, number>();
  /** Keys (E.164 numbers, folded e-mails) that several records of the input carry: nobody's (sharedKeys). */
  private shared: ReadonlyMap<string, number> = new Map();
  size = 0;
  withoutExternalId = 0;

  constructor(
    private readonly keys: readonly MatchKey[],
    private readonly country: CountryCode | undefined,
    /** Whether an externalId is one of this job's finished records: its contact is the job's, never "another source's". */
    private readonly jobHolds: (externalId: string) => boolean = () => false,
  ) {}

  add(contact: Contact): void {
    const entry: IndexedContact = {
      id: contact.id,
      externalId: contact.externalId,
      name: nameOf(contact),
      firstName: contact.defaultFields.firstName,
      lastName: contact.defaultFields.lastName,
      ...(!contact.defaultFields.firstName &&
        !contact.defaultFields.lastName && { company: contact.defaultFields.company }),
      // Kept where it tells something: whose a contact holding an externalId is.
      ...(contact.externalId !== null && { source: contact.source }),
    };
    this.size++;
    if (contact.externalId === null) this.withoutExternalId++;
    else this.byExternalId.set(contact.externalId, entry);
    if (this.keys.includes('phone')) {
      for (const p of contact.defaultFields.phoneNumbers) {
        const key = p.value === null ? undefined : phoneKey(p.value, this.country);
        if (key !== undefined) push(this.byPhone, key, entry);
      }
    }
    if (this.keys.includes('email')) {
      for (const e of contact.defaultFields.emails)
        if (e.value !== null && e.value.trim() !== '') push(this.byEmail, emailKey(e.value), entry);
    }
  }

  /**
   * What a record the journal does not know matches. `adoptionInDoubt`: an
   * earlier run's adoption PATCH of this record got no answer, so a contact
   * holding the record's externalId may be that adoption: it is adopted again.
   */
  match(record: ValidRecord, adoptionInDoubt = false): Match {
    const holder = this.byExternalId.get(record.externalId);
    if (holder !== undefined && adoptionInDoubt) return this.take(holder, record.line);
    // Another integration (a native CRM sync) holds the id: the person is in the workspace through it. A create
    // would meet 409, or, where the API keeps ids per source, make a second contact of the same person.
    if (holder?.source !== undefined && holder.source !== sourceOf(record.payload))
      return { kind: 'heldElsewhere', contact: holder };
    // A contact of the job's source holds it: another job's (--on-existing says; a lost answer of this job's is in doubt, not matched).
    if (holder !== undefined) return { kind: 'ofJobSource', contact: holder };
    const found = new Map<string, IndexedContact>();
    const via: string[] = [];
    const sharedVia: string[] = [];
    for (const { key, label, contacts } of this.lookups(record)) {
      for (const c of contacts) found.set(c.id, c);
      if (contacts.length > 0) via.push(label);
      const carriers = this.shared.get(key);
      if (contacts.length > 0 && carriers !== undefined)
        sharedVia.push(`${label}, which ${carriers} records of the input carry`);
    }
    const candidates = [...found.values()];
    const how = [...new Set(via)].join(', ');
    if (candidates.length === 0) return { kind: 'none' };
    if (sharedVia.length > 0)
      return {
        kind: 'review',
        candidates,
        why: `matches by ${[...new Set(sharedVia)].join('; ')}: a number or e-mail several people share is nobody's key`,
      };
    if (candidates.length > 1)
      return {
        kind: 'review',
        candidates,
        why: `matches ${candidates.length} contacts of the workspace (${how}): which one is this record cannot be told`,
      };
    const only = candidates[0]!;
    if (only.externalId !== null && this.jobHolds(only.externalId))
      return {
        kind: 'review',
        candidates,
        why: `matches a contact (${how}) that this job's record ${JSON.stringify(only.externalId)} holds: two records of the source for one contact`,
      };
    if (only.externalId !== null)
      return {
        kind: 'review',
        candidates,
        why: `matches a contact (${how}) that another source holds (externalId ${JSON.stringify(only.externalId)})`,
      };
    const df = record.payload.defaultFields;
    if (!sameName(only, df))
      return {
        kind: 'review',
        candidates,
        why: `matches a contact (${how}) whose name is not the record's: "${only.name}" in the workspace, "${displayName(df.firstName, df.lastName)}" in the input`,
      };
    const takenBy = this.taken.get(only.id);
    if (takenBy !== undefined)
      return { kind: 'review', candidates, why: `matches the contact (${how}) the record on line ${takenBy} adopts` };
    return this.take(only, record.line);
  }

  /**
   * The record's keys the index matches on, each with the contacts that carry
   * it. The same keys, counted over the whole input first (job/shared-keys.ts),
   * tell which ones several records carry.
   */
  lookups(record: ValidRecord): { key: string; label: string; contacts: readonly IndexedContact[] }[] {
    const out: { key: string; label: string; contacts: readonly IndexedContact[] }[] = [];
    const df = record.payload.defaultFields;
    if (this.keys.includes('phone')) {
      for (const p of df.phoneNumbers ?? [])
        if (p.value !== null)
          out.push({ key: `p:${p.value}`, label: `phone ${p.value}`, contacts: this.byPhone.get(p.value) ?? [] });
    }
    if (this.keys.includes('email')) {
      for (const e of df.emails ?? [])
        if (e.value !== null)
          out.push({
            key: `e:${emailKey(e.value)}`,
            label: `email ${e.value}`,
            contacts: this.byEmail.get(emailKey(e.value)) ?? [],
          });
    }
    return out;
  }

  /** Keys that several records of the input carry, with how many (job/shared-keys.ts counts them before the run matches anything). */
  setShared(shared: ReadonlyMap<string, number>): void {
    this.shared = shared;
  }

  private take(contact: IndexedContact, line: number): Match {
    this.taken.set(contact.id, line);
    return { kind: 'adopt', contact };
  }
}

function push<K>(map: Map<K, IndexedContact[]>, key: K, entry: IndexedContact): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else if (!list.includes(entry)) list.push(entry);
}
