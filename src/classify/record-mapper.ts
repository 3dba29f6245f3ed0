import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { CsvIgnored, CsvItem } from '../csv/read-csv.js';
import { mapRecord, type CellReader, type MappedItem, type OwnerLookup } from '../mapping/map-record.js';
import { ProblemCode, type Problem } from '../mapping/problem.js';
import { hasEscapedBytes, showEscapedBytes } from '../csv/escaped-bytes.js';

export type { MappedItem };

/**
 * Pure and stateless: one CSV item → its payload or its problems, including
 * cells that did not decode and malformed records. The one piece of state,
 * the externalIds seen so far, is the Classifier's, which keeps the file order
 * (Classifier.decide).
 */
export class RecordMapper {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly header: HeaderIndex,
    private readonly encoding: string,
    /** The workspace's users, when the config maps an owner column and they were read. */
    private readonly owners?: OwnerLookup,
  ) {}

  map(item: Exclude<CsvItem, CsvIgnored>): MappedItem {
    if (item.kind === 'malformed') {
      const message = item.endLine > item.line ? `${item.message} (lines ${item.line}-${item.endLine})` : item.message;
      return { problems: [{ code: ProblemCode.csvMalformed, line: item.line, message }] };
    }
    const { fields, line } = item;
    const encodingProblems = this.undecodable(fields, line);
    const mapped = mapRecord(this.config, this.cells(fields), line, { numberCell: item.numberCells === undefined ? undefined : this.numberCells(item.numberCells), owners: this.owners });
    if (encodingProblems === undefined) return mapped;
    return { externalId: mapped.externalId, problems: [...encodingProblems, ...mapped.problems] };
  }

  /** Reads a record's cells by column name ('' for a column the record lacks). */
  cells(fields: readonly string[]): CellReader {
    return (column) => {
      const at = this.header.positionOf.get(column);
      return at === undefined ? '' : (fields[at] ?? '');
    };
  }

  /** Which columns of a workbook's record hold cells stored as numbers. */
  private numberCells(positions: readonly number[]): (column: string) => boolean {
    return (column) => {
      const at = this.header.positionOf.get(column);
      return at !== undefined && positions.includes(at);
    };
  }

  /** Bytes that were not valid in the declared encoding (kept as escaped bytes, or U+FFFD from other decoders); undefined when none were (most records). */
  private undecodable(fields: readonly string[], line: number): Problem[] | undefined {
    let problems: Problem[] | undefined;
    // The input's own fields only: a failure report's added columns hold our messages, not data.
    const own = this.header.own;
    const positions = own.length === fields.length ? undefined : new Set(own.map((c) => c.position));
    fields.forEach((value, i) => {
      if (positions !== undefined && !positions.has(i)) return;
      if (!value.includes('\uFFFD') && !hasEscapedBytes(value)) return;
      problems ??= [];
      const column = own.find((c) => c.position === i)?.name ?? `field ${i + 1}`;
      problems.push({
        code: ProblemCode.encodingInvalid,
        line,
        column,
        value: showEscapedBytes(value),
        message: `bytes that are not valid ${this.encoding} (shown as \uFFFD); set csv.encoding to the file's real encoding, e.g. "windows-1252" for Excel exports. failures.csv keeps the bytes as they were: a rerun of it with the right csv.encoding reads them right`,
      });
    });
    return problems;
  }
}
