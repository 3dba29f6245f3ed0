#!/usr/bin/env node
// Import cycles in src/, between folders and between files. Folders: each
// folder (src/api, src/job, …; a file directly in src/ is a node of its own)
// is a node, and an import from a file in one folder of a file in another is
// an edge. Files (--files): each file is a node, each import an edge. Prints every cycle (strongly
// connected component of more than one folder) with the imports that make it,
// and exits 1 when there is one. Type-only imports count too: they tie the
// folders' meanings together as much as value imports do.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const byFile = process.argv.includes('--files');
const root = resolve(process.argv.filter((a) => !a.startsWith('--'))[2] ?? 'src');
const unit = byFile ? 'file' : 'folder';
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts')) files.push(path);
  }
})(root);

// A file directly in src/ (the entry, errors.ts, log.ts) is a node of its own.
const folderOf = (file) => {
  if (byFile) return relative(root, file);
  const rel = relative(root, dirname(file));
  return rel === '' ? relative(root, file) : `${rel.split(/[\\/]/)[0]}/`;
};
const edges = new Map();
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (!target.startsWith(root)) continue;
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const list = edges.get(from).get(to) ?? [];
    list.push(`${relative(root, file)} → ${relative(root, target)}`);
    edges.get(from).set(to, list);
  }
}

// Tarjan's strongly connected components.
const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const on = new Set();
const components = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    for (let w = stack.pop(); ; w = stack.pop()) {
      on.delete(w);
      c.push(w);
      if (w === v) break;
    }
    if (c.length > 1) components.push(c.sort());
  }
}
for (const v of nodes) if (!idx.has(v)) visit(v);

if (components.length === 0) {
  console.log(`${unit} cycles: none among ${nodes.length} ${unit}s of ${relative(process.cwd(), root) || '.'}`);
  process.exit(0);
}
for (const c of components) {
  console.log(`${unit} cycle: ${c.join(' ↔ ')}`);
  for (const from of c)
    for (const [to, list] of edges.get(from) ?? [])
      if (c.includes(to))
        console.log(
          `  ${from} → ${to}: ${list.slice(0, 3).join('; ')}${list.length > 3 ? `; and ${list.length - 3} more` : ''}`,
        );
}
process.exit(1);
