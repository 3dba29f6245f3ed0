/** One cell into its values: trimmed, empties dropped, repeats kept once, order kept. */
export function splitCell(cell: string, separator: string | undefined): string[] {
  const parts = separator === undefined ? [cell] : cell.split(separator);
  const seen = new Set<string>();
  for (const part of parts) {
    const v = part.trim();
    if (v !== '') seen.add(v);
  }
  return [...seen];
}
