import type { Config } from '../config/schema.js';

/**
 * `init --update`: what a fresh look at the export proposes, added to the
 * config the person already has, keeping every hand edit. Nothing the config
 * has is changed or removed; a proposal is added only where the config is
 * silent: a default field it does not map, an email or phone column no
 * mapping of it reads, a custom field whose key and column it does not use,
 * an owner or phone section it lacks. A column init proposed before
 * (`proposedByInit`) is not proposed again: the person may have removed its
 * mapping on purpose. Pure.
 */
export function mergeConfig(existing: Config, proposed: Config): { config: Config; added: string[] } {
  const used = new Set([...columnsOf(existing), ...(existing.proposedByInit ?? [])]);
  const added: string[] = [];
  const config: Config = structuredClone(existing);
  const df = config.defaultFields;
  for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
    const p = proposed.defaultFields[key];
    const column = typeof p === 'string' ? p : p?.column;
    if (df[key] !== undefined || column === undefined || used.has(column)) continue;
    df[key] = p;
    used.add(column);
    added.push(`defaultFields.${key}: ${JSON.stringify(column)}`);
  }
  for (const key of ['emails', 'phoneNumbers'] as const) {
    for (const item of proposed.defaultFields[key] ?? []) {
      if (used.has(item.column)) continue;
      const list = (df[key] ??= []) as (typeof item)[];
      list.push(item);
      used.add(item.column);
      added.push(`defaultFields.${key}[${list.length - 1}]: ${JSON.stringify(item.column)}`);
    }
  }
  for (const field of proposed.customFields ?? []) {
    if (used.has(field.column) || (config.customFields ?? []).some((f) => f.key === field.key)) continue;
    (config.customFields ??= []).push(field);
    used.add(field.column);
    added.push(`customFields[${config.customFields.length - 1}]: ${JSON.stringify(field.column)} → "${field.key}"`);
  }
  if (config.owner === undefined && proposed.owner !== undefined && !used.has(proposed.owner.column)) {
    config.owner = proposed.owner;
    added.push(`owner: ${JSON.stringify(proposed.owner.column)}`);
  }
  if (config.phone === undefined && proposed.phone !== undefined) {
    config.phone = proposed.phone;
    added.push(`phone: ${JSON.stringify(proposed.phone)}`);
  }
  if (config.matchExisting === undefined && proposed.matchExisting !== undefined) {
    config.matchExisting = proposed.matchExisting;
    added.push(`matchExisting: ${JSON.stringify(proposed.matchExisting)}`);
  }
  // A config from before proposedByInit starts its list with what it maps now.
  return { config: withProposedColumns(config, existing.proposedByInit ?? []), added };
}

/** The config with `proposedByInit` last: the columns listed before, then any column it maps that is not listed yet. */
export function withProposedColumns(config: Config, before: readonly string[] = []): Config {
  const { proposedByInit: _, ...rest } = config;
  const listed = new Set(before);
  return { ...rest, proposedByInit: [...before, ...[...columnsOf(config)].filter((c) => !listed.has(c))] };
}

/** Every column a config reads: columns, label columns, template placeholders, the country and owner columns. */
export function columnsOf(config: Config): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'column' || key === 'nameColumn' || key === 'countryColumn') && typeof v === 'string') out.add(v);
      else if (key === 'template' && typeof v === 'string')
        for (const m of v.matchAll(/(?<!\{)\{([^{}]+)\}(?!\})/g)) out.add(m[1]!);
      else walk(v);
    }
  };
  walk(config);
  for (const key of ['firstName', 'lastName', 'company', 'role'] as const) {
    const ref = config.defaultFields[key];
    if (typeof ref === 'string') out.add(ref);
  }
  if (typeof config.externalId === 'string') out.add(config.externalId);
  return out;
}
