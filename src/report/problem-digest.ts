import type { Problem } from '../mapping/problem.js';

export interface ProblemGroup {
  /** 'failed': the record was not imported; 'left out': the value was dropped, the record imported. */
  readonly kind: 'failed' | 'left out';
  readonly code: string;
  readonly column?: string;
  readonly count: number;
  /** The first few, with where, what was found and what to do. */
  readonly examples: readonly { readonly line: number; readonly value?: string; readonly message: string }[];
}

/**
 * Problems grouped by what and where (code and column), counted, with the
 * first few as examples: what the screen and report.html show, so the user
 * need not open failures.csv to learn what is wrong.
 */
export class ProblemDigest {
  private readonly groups = new Map<
    string,
    {
      kind: ProblemGroup['kind'];
      code: string;
      column?: string;
      count: number;
      examples: ProblemGroup['examples'][number][];
    }
  >();

  add(kind: ProblemGroup['kind'], problems: readonly Problem[]): void {
    for (const p of problems) {
      const key = `${kind}\0${p.code}\0${p.column ?? ''}`;
      let g = this.groups.get(key);
      if (g === undefined) {
        g = { kind, code: p.code, ...(p.column !== undefined && { column: p.column }), count: 0, examples: [] };
        this.groups.set(key, g);
      }
      g.count++;
      if (g.examples.length < 3)
        g.examples.push({ line: p.line, ...(p.value !== undefined && { value: p.value }), message: p.message });
    }
  }

  /** Largest first. */
  toJSON(): ProblemGroup[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }
}

/** The screen's lines for the largest groups. */
export function describeGroups(groups: readonly ProblemGroup[], max = 8): string[] {
  const lines = groups.slice(0, max).map((g) => {
    const where = g.column === undefined ? '' : ` in ${JSON.stringify(g.column)}`;
    const e = g.examples[0];
    const example =
      e === undefined
        ? ''
        : `; e.g. line ${e.line}${e.value !== undefined ? `: found ${JSON.stringify(e.value.length > 60 ? `${e.value.slice(0, 57)}...` : e.value)}` : ''}: ${e.message}`;
    return `    ${g.code}${where}: ${g.count} ${g.kind === 'failed' ? 'failed' : 'left out'}${example}`;
  });
  if (groups.length > max)
    lines.push(`    … and ${groups.length - max} more kinds: see failures.csv and dropped-values.csv`);
  return lines;
}
