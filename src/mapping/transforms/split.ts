/** One cell into its values: trimmed, empties dropped, repeats kept once, order kept. */
export function splitCell(cell: string, separator: string | undefined): string[] {
  if (separator === undefined || !cell.includes(separator)) {
    // The common case (one value per cell) without splitting.
    const v = cell.trim();
    return v === '' ? [] : [v];
  }
  // Cells hold a few values: a list beats a Set here.
  const values: string[] = [];
  for (const part of cell.split(separator)) {
    const v = part.trim();
    if (v !== '' && !values.includes(v)) values.push(v);
  }
  return values;
}
