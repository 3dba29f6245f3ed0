/**
 * Files that are not CSV but are often given as if they were: an old .xls, a
 * JSON dump, a PDF. (.xlsx and vCard are read: input/open-input.ts.) Read as CSV
 * they give binary garbage or a config that maps nothing, so they are named and
 * refused with the next step.
 */
export function notCsv(head: Buffer): { format: string; next: string } | undefined {
  const text = head
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart();
  const saveAsCsv =
    'open it in Excel, Numbers or Google Sheets and save it as "CSV UTF-8 (comma delimited)", then use that file';
  if (isZip(head))
    return {
      format: 'an Excel workbook (.xlsx) or a zip archive',
      next: `${saveAsCsv} (for a zip: unpack it and use the .csv inside)`,
    };
  if (isCompoundFile(head))
    return {
      format: 'an old Excel workbook (.xls), or a workbook protected by a password',
      next: 'open it in Excel and save it as an Excel Workbook (.xlsx) without a password (File > Info > Protect Workbook > Encrypt with Password: clear it), or save it as "CSV UTF-8 (comma delimited)", then use that file',
    };
  if (/^%PDF/.test(text)) return { format: 'a PDF', next: 'export the contacts from the source system as CSV' };
  if (/^[{[]/.test(text) && !/^\[[^\]\n,;\t]*\][,;\t]/.test(text))
    return {
      format: 'JSON',
      next: 'convert it to CSV with one column per field (a header line, then one contact per line)',
    };
  if (/^<(\?xml|!doctype|html|table)/i.test(text))
    return { format: 'an HTML or XML file (some "Excel" exports are HTML)', next: saveAsCsv };
  return undefined;
}

/** A zip archive: what an .xlsx workbook is. */
export const isZip = (head: Buffer): boolean => head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));

/** An OLE compound file: an .xls workbook, or an .xlsx encrypted with a password (Excel wraps it in one). */
const isCompoundFile = (head: Buffer): boolean => head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));

/**
 * UTF-16 without a byte order mark (some Windows tools write it): read as
 * UTF-8 it gives a header of `R\u0000e\u0000c…`. Text in it has a zero in
 * every other byte: the odd ones for little-endian, the even ones for big.
 */
export function utf16WithoutBom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const n = head.length - (head.length % 2);
  if (n < 8) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= pairs * 0.6 && even < pairs * 0.1) return 'utf-16le';
  if (even >= pairs * 0.6 && odd < pairs * 0.1) return 'utf-16be';
  return undefined;
}
