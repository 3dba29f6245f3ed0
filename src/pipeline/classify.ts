import type { ContactRequest } from '../api/contract.js';
import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { CsvItem } from '../csv/read-csv.js';
import { renderTemplate } from '../config/template.js';
import { mapRecord } from '../mapping/map-record.js';
import { ProblemCode, type Problem } from '../mapping/problem.js';
import { IdSet } from '../util/id-set.js';

export interface ValidRecord {
  readonly kind: 'valid';
  readonly line: number;
  readonly externalId: string;
  readonly payload: ContactRequest;
  readonly fields: readonly string[];
}

export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly bucket: 'failed' | 'duplicate';
  readonly line: number;
  readonly externalId?: string;
  readonly fields: readonly string[];
  readonly raw?: string;
  readonly problems: readonly Problem[];
}

export type Classified = ValidRecord | RejectedRecord;

/**
 * Turns each CSV item into a valid payload or a rejection with every problem.
 * Holds the externalIds seen so far: the one piece of state, so a second record
 * with an id already in this input is caught before anything is sent.
 */
export class Classifier {
  private readonly seen = new IdSet();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly header: HeaderIndex,
    private readonly encoding: string,
  ) {}

  /**
   * The externalId of a record that an earlier run already created, found
   * without mapping the record (resume skips a million done records cheaply);
   * undefined when the record needs the full path. Counts as seen for the
   * duplicate check.
   */
  skipIfDone(item: CsvItem, isDone: (externalId: string) => boolean): string | undefined {
    if (item.kind !== 'record') return undefined;
    const source = this.config.externalId;
    const get = this.cells(item.fields);
    const id = source.kind === 'column' ? get(source.column).trim() : renderTemplate(source.parts, get);
    if (!id || this.seen.has(id) || !isDone(id)) return undefined;
    this.seen.set(id, item.line);
    return id;
  }

  classify(item: CsvItem): Classified {
    if (item.kind === 'malformed') {
      return {
        kind: 'rejected',
        bucket: 'failed',
        line: item.line,
        fields: item.fields,
        raw: item.raw,
        problems: [{ code: ProblemCode.csvMalformed, line: item.line, message: item.endLine > item.line ? `${item.message} (lines ${item.line}-${item.endLine})` : item.message }],
      };
    }
    const { fields, line } = item;
    const get = this.cells(fields);
    const encodingProblems = this.undecodable(fields, line);
    const mapped = mapRecord(this.config, get, line);
    const problems = encodingProblems === undefined ? mapped.problems : [...encodingProblems, ...mapped.problems];
    const id = mapped.externalId;
    if (id !== undefined) {
      const first = this.seen.get(id);
      if (first !== undefined) {
        return {
          kind: 'rejected',
          bucket: 'duplicate',
          line,
          externalId: id,
          fields,
          problems: [{ code: ProblemCode.duplicateExternalId, line, value: id, message: `externalId already used by the record on line ${first}; only the first is imported` }],
        };
      }
      this.seen.set(id, line);
    }
    if (problems.length > 0 || mapped.payload === undefined || id === undefined) {
      return { kind: 'rejected', bucket: 'failed', line, externalId: id, fields, problems };
    }
    return { kind: 'valid', line, externalId: id, payload: mapped.payload, fields };
  }

  /** Reads a record's cells by column name ('' for a column the record lacks). */
  private cells(fields: readonly string[]): (column: string) => string {
    return (column) => {
      const at = this.header.positionOf.get(column);
      return at === undefined ? '' : (fields[at] ?? '');
    };
  }

  /** Bytes that were not valid in the declared encoding came out as U+FFFD; undefined when none did (most records). */
  private undecodable(fields: readonly string[], line: number): Problem[] | undefined {
    let problems: Problem[] | undefined;
    fields.forEach((value, i) => {
      if (!value.includes('\uFFFD')) return;
      problems ??= [];
      const column = this.header.columns.find((c) => this.header.positionOf.get(c) === i) ?? `field ${i + 1}`;
      problems.push({
        code: ProblemCode.encodingInvalid,
        line,
        column,
        value,
        message: `bytes that are not valid ${this.encoding} (shown as \uFFFD); set csv.encoding to the file's real encoding, e.g. "windows-1252" for Excel exports`,
      });
    });
    return problems;
  }
}
