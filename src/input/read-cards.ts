import { MAX_RECORD_BYTES } from '../csv/parse-records.js';
import { physicalLines } from './vcard-lines.js';
import { badQuotedPrintable, HEAVY, isQuotedPrintable, parseProperty, type VcardProperty } from './vcard-card.js';

/** One card as it stands in the file: its lines and bytes, its properties, or why it cannot be read. */
export type CardText =
  | {
      readonly kind: 'card';
      readonly line: number;
      readonly endLine: number;
      readonly start: number;
      readonly end: number;
      readonly properties: readonly VcardProperty[];
    }
  | {
      readonly kind: 'malformed';
      readonly line: number;
      readonly endLine: number;
      readonly start: number;
      readonly end: number;
      readonly text: string;
      readonly message: string;
    };

/** The text of an unreadable card kept for the report. */
const RAW_KEPT = 4096;

const BEGIN = /^\s*BEGIN:VCARD\s*$/i;
const END = /^\s*END:VCARD\s*$/i;
/** An AGENT property with no value of its own: the card that follows is its value (vCard 2.1). */
const EMPTY_AGENT = /^(?:[^:;]*\.)?AGENT(?:;[^:]*)?:\s*$/i;
const OUTSIDE = 'lines outside any card (a card runs from BEGIN:VCARD to END:VCARD)';

/**
 * The cards of a file in order. Lines are unfolded (a line that starts with a
 * space or tab goes on the one before; a quoted-printable value that ends in
 * `=` goes on the next line); a photo's or a key's continuation lines are
 * stepped over without being kept.
 */
export async function* readCards(file: string): AsyncGenerator<CardText> {
  const splitter = new CardSplitter();
  for await (const { text, bytes, tooLong } of physicalLines(file, MAX_RECORD_BYTES)) {
    const done = splitter.line(text, bytes, tooLong === true);
    if (done !== undefined) yield done;
  }
  yield* splitter.end();
}

interface OpenCard {
  line: number;
  start: number;
  properties: VcardProperty[];
  bad: string | undefined;
  text: string;
}

/** Splits a file's physical lines into cards: each line may finish one, which it returns. */
class CardSplitter {
  private lineNo = 0;
  private offset = 0;
  private card: OpenCard | undefined;
  /** The logical line being built (a property), where it began, and whether it is a heavy property (not kept). */
  private logical: string | undefined;
  private logicalAt = 0;
  private heavy = false;
  /** Lines before or between cards: reported as one malformed stretch. */
  private outside: { line: number; start: number; text: string } | undefined;
  /** Inside an embedded card (vCard 2.1's AGENT): its depth; its lines belong to no one and are stepped over. */
  private embedded = 0;

  line(physical: string, bytes: number, tooLong: boolean): CardText | undefined {
    this.lineNo++;
    const start = this.offset;
    this.offset += bytes;
    const line = physical.endsWith('\r') ? physical.slice(0, -1) : physical;
    const card = this.card;
    if (card === undefined) return this.betweenCards(line, start);
    if (this.embedded > 0) {
      if (BEGIN.test(line)) this.embedded++;
      else if (END.test(line)) this.embedded--;
      return undefined;
    }
    if (BEGIN.test(line)) return this.beginInside(card, start);
    if (tooLong) return this.tooLongLine(card, line, bytes);
    return this.inCard(card, line);
  }

  /** What the file's end leaves: a card that never ended, lines after the last card. */
  *end(): Generator<CardText> {
    this.flush();
    const card = this.card;
    if (card !== undefined)
      yield this.malformed(
        card,
        this.lineNo,
        this.offset,
        `the card from line ${card.line} has no END:VCARD: the file ends inside it`,
      );
    if (this.outside !== undefined) yield this.malformed(this.outside, this.lineNo, this.offset, OUTSIDE);
  }

  /** A line outside any card: a BEGIN opens one (after reporting the lines outside before it); others are kept as outside. */
  private betweenCards(line: string, start: number): CardText | undefined {
    if (BEGIN.test(line)) {
      const before = this.outside;
      this.outside = undefined;
      this.card = { line: this.lineNo, start, properties: [], bad: undefined, text: '' };
      return before === undefined ? undefined : this.malformed(before, this.lineNo - 1, start, OUTSIDE);
    }
    if (line.trim() !== '') {
      this.outside ??= { line: this.lineNo, start, text: '' };
      if (this.outside.text.length < RAW_KEPT) this.outside.text += `${line}\n`;
    }
    return undefined;
  }

  /** BEGIN:VCARD inside a card: an empty AGENT's value, stepped over, or the start of the next card (the open one fails). */
  private beginInside(card: OpenCard, start: number): CardText | undefined {
    if (this.logical !== undefined && EMPTY_AGENT.test(this.logical)) {
      this.logical = undefined;
      this.embedded = 1;
      return undefined;
    }
    // A card that never ended: it fails as it stands (byte for byte in failures.vcf), and nothing of it reaches the next.
    this.flush();
    this.card = { line: this.lineNo, start, properties: [], bad: undefined, text: '' };
    return this.malformed(
      card,
      this.lineNo - 1,
      start,
      `the card from line ${card.line} has no END:VCARD before the next card begins on line ${this.lineNo}`,
    );
  }

  /** A line longer than a record may be: a photo or key is stepped over; any other property that long is not a contact's. */
  private tooLongLine(card: OpenCard, line: string, bytes: number): undefined {
    this.flush();
    const name = propertyName(line);
    if (!HEAVY.has(name))
      card.bad ??= `line ${this.lineNo} (${name}) is longer than ${MAX_RECORD_BYTES / (1024 * 1024)} MiB`;
    // Stepped over with any lines folded onto it.
    this.logical = `${name}:`;
    this.logicalAt = this.lineNo;
    this.heavy = true;
    if (card.text.length < RAW_KEPT) card.text += `${line}… [a line of ${bytes} bytes, cut]\n`;
    return undefined;
  }

  /** A line of a card: a continuation, the card's END, or the start of a property. */
  private inCard(card: OpenCard, line: string): CardText | undefined {
    if (card.text.length < RAW_KEPT) card.text += `${line}\n`;
    const logical = this.logical;
    if ((line.startsWith(' ') || line.startsWith('\t')) && logical !== undefined) {
      if (!this.heavy) this.logical = logical + line.slice(1);
      return undefined;
    }
    if (logical !== undefined && !this.heavy && logical.endsWith('=') && isQuotedPrintable(logical)) {
      this.logical = logical.slice(0, -1) + line;
      return undefined;
    }
    this.flush();
    if (END.test(line)) {
      this.card = undefined;
      const at = { endLine: this.lineNo, start: card.start, end: this.offset };
      if (card.bad !== undefined)
        return this.malformed(card, this.lineNo, this.offset, `the card cannot be read: ${card.bad}`);
      return { kind: 'card', line: card.line, ...at, properties: card.properties };
    }
    if (line.trim() === '') return undefined;
    this.logical = line;
    this.logicalAt = this.lineNo;
    this.heavy = HEAVY.has(propertyName(line));
    return undefined;
  }

  /** The property being built is whole: parsed and kept (a heavy one by its name alone), or the card's first fault. */
  private flush(): void {
    const card = this.card;
    const logical = this.logical;
    if (card === undefined || logical === undefined) return;
    const p = parseProperty(this.heavy ? `${logical.split(':', 1)[0]}:` : logical);
    if (p === undefined)
      card.bad ??= `line ${this.logicalAt}: ${JSON.stringify(logical.slice(0, 80))} is not a property (expected NAME:value)`;
    else if (!HEAVY.has(p.name)) {
      // Read as typed, "M=ZZller" would become a name nobody wrote: the card fails, naming the property.
      const escape = badQuotedPrintable(p);
      if (escape !== undefined)
        card.bad ??= `line ${this.logicalAt}: ${p.name}: ${JSON.stringify(escape)} is not a quoted-printable escape (= and two hex digits, e.g. =C3=BC); fix the value or save the card as vCard 3.0`;
      card.properties.push(p);
    }
    this.logical = undefined;
  }

  private malformed(
    from: { line: number; start: number; text: string },
    endLine: number,
    end: number,
    message: string,
  ): CardText {
    return { kind: 'malformed', line: from.line, endLine, start: from.start, end, text: cut(from.text), message };
  }
}

/** A property line's name, without its group (item1.TEL → TEL). */
const propertyName = (line: string): string => line.split(/[;:]/, 1)[0]!.replace(/^.*\./, '').toUpperCase();

/** A card's text for a report, as UTF-8 (a 2.1 card's own CHARSET is the reader's to decode). */
const cut = (latin1: string) => {
  const text = Buffer.from(latin1, 'latin1').toString('utf8');
  return text.length <= RAW_KEPT ? text.replace(/\n$/, '') : `${text.slice(0, RAW_KEPT)}… [cut]`;
};
