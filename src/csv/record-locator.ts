/**
 * Where each parsed record sits in the text: its physical lines and, for a
 * record the parser skipped, its text as it stands in the file. It follows the
 * parser through the same text (normalised to LF), one record at a time in order:
 * blank lines are stepped over, a record covers one line plus the line breaks
 * inside its quoted fields, and a skipped record ends on the line the parser's
 * error names. This replaces csv-parse's `raw` and `info` options, which copy
 * every byte, or build two objects, for every record: on 300,000 rows `info`
 * makes csv-parse 1.4 times slower, `info` and `raw` 1.6 times (`npm run
 * bench:csv-parse`, 2026-12-07), a tenth of the dry run's time.
 */
export class RecordLocator {
  /** Text from the first line not yet placed; `at` is the cursor in it. */
  private text = '';
  private at = 0;
  private line: number;

  /** @param firstLine the number of the text's first line */
  constructor(private readonly firstLine = 1) {
    this.line = firstLine;
  }

  /** Text given to the parser: call before placing the records it yields. */
  append(text: string): void {
    this.text = this.at === 0 ? this.text + text : this.text.slice(this.at) + text;
    this.at = 0;
  }

  /** A parsed record: the line it starts on. */
  record(fields: readonly string[]): number {
    const start = this.skipBlankLines();
    let breaks = 0;
    for (const field of fields) {
      for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) breaks++;
    }
    this.passLines(breaks + 1);
    return start;
  }

  /**
   * A record the parser skipped, whose error says (as `lines`, counted from the
   * start of the parser's text) the line it ended on: where it is and its text,
   * not yet passed (passLines moves on).
   */
  pending(errorLine: number | undefined): { line: number; endLine: number; raw: string } {
    const line = this.skipBlankLines();
    const endLine = Math.max(line, errorLine === undefined ? line : errorLine + this.firstLine - 1);
    return { line, endLine, raw: this.peek(endLine - line + 1) };
  }

  /** The next `count` lines from the first one not yet placed, not passed. */
  peek(count: number): string {
    this.skipBlankLines();
    let end = this.at;
    for (let n = 0; n < count; n++) {
      const next = this.text.indexOf('\n', end);
      end = next < 0 ? this.text.length : next + 1;
    }
    return this.text.slice(this.at, end).replace(/\n+$/, '');
  }

  /** The first line of the record not yet placed, or undefined when its line end has not been read yet. */
  firstLineOfPending(): { line: number; firstLine: string | undefined } {
    const line = this.skipBlankLines();
    const end = this.text.indexOf('\n', this.at);
    return { line, firstLine: end < 0 ? undefined : this.text.slice(this.at, end) };
  }

  /** The text from the first line not yet placed on. */
  rest(): string {
    return this.text.slice(this.at);
  }

  /** Moves past `count` line ends (or to the end of the text, for a last line without one). */
  passLines(count: number): void {
    for (let n = 0; n < count; n++) {
      const end = this.text.indexOf('\n', this.at);
      this.at = end < 0 ? this.text.length : end + 1;
      this.line++;
    }
  }

  private skipBlankLines(): number {
    while (this.text.charCodeAt(this.at) === 10) {
      this.at++;
      this.line++;
    }
    return this.line;
  }
}
