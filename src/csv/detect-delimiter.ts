export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/**
 * The delimiter of a file, from its header line: the candidate that occurs most
 * often outside quotes. Only the header is looked at, because data lines hold
 * free text (addresses, notes) where commas and semicolons are common.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITER_CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}
