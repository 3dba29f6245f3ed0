import type { z } from 'zod';
import { didYouMean } from '../util/nearest.js';

export type JsonPath = readonly PropertyKey[];

/** customFields[1].type */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

export function valueAt(root: unknown, path: JsonPath): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** A short rendering of a found value for an error line. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** A JSON Schema node's property names, across anyOf/oneOf branches. */
function propertyNames(node: unknown): string[] {
  if (node === null || typeof node !== 'object') return [];
  const n = node as { properties?: object; anyOf?: unknown[]; oneOf?: unknown[] };
  const own = n.properties ? Object.keys(n.properties) : [];
  const branches = [...(n.anyOf ?? []), ...(n.oneOf ?? [])].flatMap(propertyNames);
  return [...new Set([...own, ...branches])];
}

/** Walks the generated JSON Schema along a config path, to list the keys valid there. */
export function keysAtPath(jsonSchema: unknown, path: JsonPath): string[] {
  let nodes: unknown[] = [jsonSchema];
  for (const seg of path) {
    const nextNodes: unknown[] = [];
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[]; oneOf?: unknown[] };
      for (const b of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) visit(b);
      if (typeof seg === 'number' && n.items) nextNodes.push(n.items);
      if (typeof seg === 'string' && n.properties?.[seg]) nextNodes.push(n.properties[seg]);
    };
    nodes.forEach(visit);
    nodes = nextNodes;
  }
  return [...new Set(nodes.flatMap(propertyNames))];
}

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** One line per zod issue: the path, what was found, what was expected. */
export function describeZodIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  jsonSchema: unknown,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAtPath(jsonSchema, issue.path);
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...issue.path, key]),
          message: `unknown key${didYouMean(key, valid)}; valid keys here: ${valid.join(', ')}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A union failing every branch: report the branch that got furthest
      // (the one whose first issue has the longest path), with its own path.
      const best = [...issue.errors].sort((a, b) => (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0))[0]!;
      const nested = best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
      const deeper = nested.some((i) => i.path.length > issue.path.length);
      if (deeper) {
        out.push(...describeZodIssues(nested as z.core.$ZodIssue[], raw, jsonSchema));
        continue;
      }
      const expected = [...new Set(issue.errors.map((branch) => branch[0]?.message ?? '').filter(Boolean))];
      const found = valueAt(raw, issue.path);
      out.push({ path: formatPath(issue.path), message: `found ${showValue(found)}: ${expected.join(', or ')}` });
      continue;
    }
    const found = valueAt(raw, issue.path);
    out.push({ path: formatPath(issue.path), message: `found ${showValue(found)}: ${issue.message}` });
  }
  return out;
}
