import type { Contact, ContactPatch, ContactRequest, CustomFieldItem } from '../api/contract.js';
import type { FieldUpdateModes, UpdateMode } from '../config/resolved.js';
import { itemHash, normalEmail, normalPhone, SCALAR_FIELDS, type Base } from './base.js';

/** A field both the source and someone in the workspace changed since the job last wrote it. */
export interface Conflict {
  readonly field: string;
  /** As the job last wrote it, the source has it now, the workspace has it now (null: empty). */
  readonly base: unknown;
  readonly source: unknown;
  readonly workspace: unknown;
  /** Which side the contact keeps (update.conflicts). */
  readonly kept: 'workspace' | 'source';
}

export interface SyncRules {
  readonly conflicts: 'workspace' | 'source';
  readonly fields: FieldUpdateModes;
  /** 'source': the contact's e-mails and phones become exactly the record's (update.arrays). */
  readonly arrays: 'keep' | 'source';
}

/** The PATCH of a three-way sync, or null when nothing is to be written; and the conflicts met. */
export interface ThreeWay {
  readonly body: ContactPatch | null;
  readonly conflicts: readonly Conflict[];
}

type Item = { name: string; value: string | null; id: string };

/**
 * A sync with three versions of a record: the base (what the job last wrote),
 * the source now (the record), and the workspace now (the contact as read).
 * Only what the source changed since the base is written:
 * - a field the source did not change keeps whatever the workspace has (an
 *   agent's or an assistant's edit included);
 * - a field the source changed is written where the workspace still has the
 *   base; where the workspace changed it too, it is a conflict, kept as
 *   `rules.conflicts` says and reported;
 * - an item (e-mail, phone) someone added in the app stays; one the source
 *   removed or replaced is removed when the workspace still has it as the job
 *   wrote it; one someone removed in the app is not put back unless the
 *   source added it anew;
 * - per field, `update: "ifEmpty"` writes only where the workspace has no
 *   value, `"never"` never on a sync.
 * Pure. PATCH replaces arrays, so the body carries the contact's whole set of
 * items and custom fields, each item by its id.
 */
export function threeWayBody(current: Contact, record: ContactRequest, base: Base, rules: SyncRules): ThreeWay {
  const conflicts: Conflict[] = [];
  const decide = decider(rules, conflicts);
  const scalars = scalarFields(current, record, base, rules, decide);
  const custom = customFields(current, record, base, rules, decide);
  const emails = items(
    current.defaultFields.emails,
    record.defaultFields.emails ?? [],
    base.e,
    normalEmail,
    rules.fields.emails ?? 'always',
    rules.arrays,
  );
  const phoneNumbers = items(
    current.defaultFields.phoneNumbers,
    record.defaultFields.phoneNumbers ?? [],
    base.p,
    normalPhone,
    rules.fields.phoneNumbers ?? 'always',
    rules.arrays,
  );
  const changes = scalars.changes + custom.changes + emails.changes + phoneNumbers.changes;
  if (changes === 0) return { body: null, conflicts };
  return {
    body: {
      defaultFields: { ...scalars.fields, emails: emails.list, phoneNumbers: phoneNumbers.list },
      customFields: custom.list,
    },
    conflicts,
  };
}

/** One field three ways: what to write, if anything; a field both sides changed is a conflict, kept as the rules say. */
type Decide = <T>(
  field: string,
  source: T | null,
  workspace: T | null,
  was: T | null,
  mode: UpdateMode,
  same: (a: T | null, b: T | null) => boolean,
) => { write: T | null } | undefined;

function decider(rules: SyncRules, conflicts: Conflict[]): Decide {
  return (field, source, workspace, was, mode, same) => {
    if (mode === 'never') return undefined;
    if (mode === 'ifEmpty') return workspace === null && source !== null ? { write: source } : undefined;
    if (same(source, was) || same(source, workspace)) return undefined;
    if (same(workspace, was)) return { write: source };
    conflicts.push({ field, base: was, source, workspace, kept: rules.conflicts });
    return rules.conflicts === 'source' ? { write: source } : undefined;
  };
}

/** The names, company and role three ways. */
function scalarFields(current: Contact, record: ContactRequest, base: Base, rules: SyncRules, decide: Decide) {
  const fields: NonNullable<ContactPatch['defaultFields']> = {};
  let changes = 0;
  for (const key of SCALAR_FIELDS) {
    const d = decide(
      key,
      text(record.defaultFields[key]),
      text(current.defaultFields[key]),
      base.f?.[key] ?? null,
      rules.fields[key] ?? 'always',
      (a, b) => a === b,
    );
    if (d === undefined) continue;
    fields[key] = d.write;
    changes++;
  }
  return { fields, changes };
}

/** The custom fields three ways: the contact's whole set (PATCH replaces it), with the values the sync writes. */
function customFields(current: Contact, record: ContactRequest, base: Base, rules: SyncRules, decide: Decide) {
  const recordCustom = new Map((record.customFields ?? []).map((f) => [f.key, f.value]));
  const written = new Map<string, CustomFieldItem['value']>();
  for (const key of new Set([...recordCustom.keys(), ...Object.keys(base.c ?? {})])) {
    const workspace = (current.customFields.find((f) => f.key === key)?.value ?? null) as CustomFieldItem['value'];
    const was = (base.c?.[key] ?? null) as CustomFieldItem['value'];
    const d = decide(
      `customFields.${key}`,
      recordCustom.get(key) ?? null,
      workspace,
      was,
      rules.fields.custom[key] ?? 'always',
      sameJson,
    );
    if (d === undefined) continue;
    written.set(key, d.write);
  }
  const list = [
    // The API returns values of the field's own type: they go back as they came.
    ...current.customFields.map((f) => ({
      key: f.key,
      value: written.has(f.key) ? written.get(f.key)! : (f.value as CustomFieldItem['value']),
    })),
    ...[...written]
      .filter(([key, value]) => value !== null && !current.customFields.some((f) => f.key === key))
      .map(([key, value]) => ({ key, value })),
  ];
  return { list, changes: written.size };
}

const text = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A kind of items (e-mails or phones) three ways: the contact's set, by id, with what the source changed applied. */
function items(
  workspace: readonly Item[],
  source: readonly { name: string; value: string | null }[],
  baseHashes: readonly string[] | undefined,
  normal: (v: string) => string,
  mode: UpdateMode,
  arrays: 'keep' | 'source',
) {
  const was = new Set(baseHashes ?? []);
  const inSource = new Set(source.flatMap((s) => (s.value === null ? [] : [normal(s.value)])));
  const inWorkspace = new Set(workspace.flatMap((w) => (w.value === null ? [] : [normal(w.value)])));
  let changes = 0;
  const kept = workspace.map((w) => {
    const n = w.value === null ? undefined : normal(w.value);
    // Removed: an item the source no longer has that the workspace still holds as the job wrote it (or, arrays "source", any).
    const remove =
      mode === 'always' && n !== undefined && !inSource.has(n) && (arrays === 'source' || was.has(itemHash(n)));
    if (remove) changes++;
    return remove ? { id: w.id, value: null } : { id: w.id, name: w.name, value: w.value };
  });
  const added: { name: string; value: string }[] = [];
  const mayAdd = mode === 'always' || (mode === 'ifEmpty' && inWorkspace.size === 0);
  for (const s of source) {
    if (s.value === null || !mayAdd) continue;
    const n = normal(s.value);
    // Someone removed in the app an item the job wrote, and the source did not change it: it stays removed.
    if (inWorkspace.has(n) || added.some((a) => normal(a.value) === n) || (arrays === 'keep' && was.has(itemHash(n))))
      continue;
    added.push({ name: s.name, value: s.value });
    changes++;
  }
  return { list: [...kept, ...added], changes };
}
