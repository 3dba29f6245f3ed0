import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `name`, when it is close enough to be a plausible
 * typo (case and surrounding spaces ignored); undefined otherwise.
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const norm = (s: string) => s.trim().toLowerCase();
  const byNorm = new Map(candidates.map((c) => [norm(c), c]));
  const exactish = byNorm.get(norm(name));
  if (exactish !== undefined) return exactish;
  const best = closest(norm(name), [...byNorm.keys()]);
  const limit = Math.max(2, Math.floor(norm(name).length / 3));
  return distance(norm(name), best) <= limit ? byNorm.get(best) : undefined;
}

/** " (did you mean \"x\"?)" or nothing. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const n = nearest(name, candidates);
  return n === undefined || n === name ? '' : ` (did you mean ${JSON.stringify(n)}?)`;
}
