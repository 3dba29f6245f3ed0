/**
 * A workbook's shared-strings table, kept compact: every string's UTF-8 bytes
 * in one growing buffer, and where each starts. Excel writes every text cell
 * of a sheet into this table, so for a million rows it holds millions of
 * strings; as JavaScript strings (exceljs's own cache) each costs far more
 * than its text, here its length plus four bytes (bench:dry-run measures a
 * million-row workbook).
 */
export class SharedStrings {
  private bytes = Buffer.alloc(1 << 20);
  private used = 0;
  private starts = new Uint32Array(1 << 16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    const length = Buffer.byteLength(text, 'utf8');
    if (this.used + length > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    if (this.count + 2 > this.starts.length) {
      const grown = new Uint32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count] = this.used;
    this.used += this.bytes.write(text, this.used, 'utf8');
    this.count++;
    this.starts[this.count] = this.used;
  }

  /** String `index` of the table; undefined past its end (a broken workbook). */
  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.count)) return undefined;
    return this.bytes.toString('utf8', this.starts[index], this.starts[index + 1]);
  }
}
