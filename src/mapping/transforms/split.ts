/** One cell into its values: trimmed, empties dropped, repeats kept once, order kept. */
export function splitCell(cell: string, separator: string | undefined): string[] {
  if (separator === undefined || !cell.includes(separator)) {
    // The common case (one value per cell) without building a Set.
    const v = cell.trim();
    return v === '' ? [] : [v];
  }
  const seen = new Set<string>();
  for (const part of cell.split(separator)) {
    const v = part.trim();
    if (v !== '') seen.add(v);
  }
  return [...seen];
}
