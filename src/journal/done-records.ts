import type { Relation } from '../ownership/created-by-job.js';

/** A record an earlier run finished: what the job is to its contact, and the hash of the body the workspace last got. */
export interface Done {
  readonly relation: Relation;
  /** Undefined for a record a journal of an older version finished (it kept no hash). */
  readonly hash: string | undefined;
}

const CODE: Record<Relation, string> = { created: 'c', existing: 'e', updated: 'u', adopted: 'a' };
const RELATION: Record<string, Relation> = { c: 'created', e: 'existing', u: 'updated', a: 'adopted' };

/**
 * The finished records of a job, by externalId, exactly (no identity by hash:
 * a collision would skip a contact). One short string per id (relation code +
 * body hash) keeps a million of them near 100 MB rather than an object each.
 */
export class DoneRecords {
  private readonly byId = new Map<string, string>();

  set(externalId: string, relation: Relation, hash: string | undefined): void {
    this.byId.set(externalId, CODE[relation] + (hash ?? ''));
  }

  /** A sync's PATCH: the hash changes, the relation stays. */
  rehash(externalId: string, hash: string): void {
    const before = this.byId.get(externalId);
    this.byId.set(externalId, (before?.[0] ?? CODE.created) + hash);
  }

  /** --delete-missing deleted its contact: the record is new again if it comes back. */
  delete(externalId: string): void {
    this.byId.delete(externalId);
  }

  get(externalId: string): Done | undefined {
    const v = this.byId.get(externalId);
    if (v === undefined) return undefined;
    return { relation: RELATION[v[0]!]!, hash: v.length > 1 ? v.slice(1) : undefined };
  }

  has(externalId: string): boolean {
    return this.byId.has(externalId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** How many finished records have each relation. */
  countByRelation(): Record<Relation, number> {
    const out: Record<Relation, number> = { created: 0, existing: 0, updated: 0, adopted: 0 };
    for (const v of this.byId.values()) out[RELATION[v[0]!]!]++;
    return out;
  }
}
