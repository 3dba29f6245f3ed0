/** Google Contacts puts several values (and their labels) in one cell, separated by this. */
export const GOOGLE_SPLIT = ' ::: ';

import { SeenStrings } from '../../util/seen-strings.js';

/** One cell into its values: trimmed, empties dropped, repeats kept once, order kept. */
export function splitCell(cell: string, separator: string | undefined): string[] {
  if (separator === undefined || !cell.includes(separator)) {
    // The common case (one value per cell) without splitting.
    const v = cell.trim();
    return v === '' ? [] : [v];
  }
  const values: string[] = [];
  const seen = new SeenStrings();
  for (const part of cell.split(separator)) {
    const v = part.trim();
    if (v !== '' && seen.add(v)) values.push(v);
  }
  return values;
}
