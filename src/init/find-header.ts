import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { sniffBom } from '../csv/decode.js';
import { detectDelimiter } from '../csv/detect-delimiter.js';

/** Fields on one line, quotes honoured; 0 for a blank line, -1 when it does not parse alone (a cell that goes on). */
function fieldCount(line: string, delimiter: string): number {
  if (line.trim() === '') return 0;
  try {
    return ((parse(line, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][])[0] ?? []).length;
  } catch {
    return -1;
  }
}

/**
 * The physical line the header is on. Some exports put notes above it
 * (LinkedIn's Connections.csv starts with "Notes:" and a paragraph); the header
 * is the first line with two or more fields that the lines after it match, in
 * the number of fields, at least twice among the next five.
 */
export async function findHeaderLine(file: string, encoding: string): Promise<number> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const bom = sniffBom(head);
  const text = iconv.decode(head.subarray(bom?.bomLength ?? 0), bom?.encoding ?? encoding).replace(/\r\n?/g, '\n');
  const lines = text.split('\n').slice(0, 60);
  for (let i = 0; i < Math.min(lines.length, 30); i++) {
    const delimiter = detectDelimiter(lines[i]!);
    const width = fieldCount(lines[i]!, delimiter);
    if (width < 2) continue;
    const next = lines
      .slice(i + 1)
      .filter((l) => l.trim() !== '')
      .slice(0, 5);
    const matching = next.filter((l) => fieldCount(l, delimiter) === width).length;
    if (next.length === 0 || matching >= Math.min(2, next.length)) return i + 1;
  }
  return 1;
}

/**
 * A workbook's header row: the first row with two or more filled cells whose
 * next row has two or more too (a report's title rows have one cell each).
 * `rows`: the first rows of the sheet, by number, with their filled cells.
 */
export function headerRowAmong(rows: readonly { readonly number: number; readonly filled: number }[]): number {
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]!.filled < 2) continue;
    const next = rows[i + 1];
    if (next === undefined || next.filled >= 2) return rows[i]!.number;
  }
  return rows[0]?.number ?? 1;
}
